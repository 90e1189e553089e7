package dev.forgeline.systemtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

import dev.forgeline.support.git.GitRunner;

/** What the system tests do with files: the source tree, scratch target repositories, cleaning, running. */
final class ScratchFiles {
    /** The root of the source tree (the packaged services are found under it). */
    static final Path HOME =
            Path.of(System.getProperty("forgeline.home", "..")).toAbsolutePath().normalize();

    static final GitRunner GIT = new GitRunner(GitRunner.Settings.defaults());

    private ScratchFiles() {}

    /** A repository at {@code dir} whose main holds one commit with a README titled {@code title}. */
    static Path targetRepository(Path dir, String title) throws IOException {
        Path repo = Files.createDirectories(dir);
        Files.writeString(repo.resolve("README.md"), "# " + title + "\n");
        GIT.run(repo, "init", "-q", "-b", "main");
        GIT.run(repo, "add", "-A");
        GIT.run(repo, "-c", "user.name=Test", "-c", "user.email=test@localhost", "commit", "-q", "-m", "init");
        return repo;
    }

    /** Runs git in a directory of the test (through the project's git layer) and returns its output. */
    static String git(Path directory, String... args) {
        return GIT.run(directory, args).stdout();
    }

    /** Runs a command in {@code dir} with the test's output and returns its exit code. */
    static int run(Path dir, String... command) {
        try {
            Process p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .inheritIO()
                    .start();
            return p.waitFor();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
