package dev.forgeline.planner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real git repositories for tests. */
public final class GitFixture {
    private GitFixture() {}

    /** A new repository at {@code dir} with branch {@code main} holding one commit. */
    public static Path repository(Path dir) {
        try {
            Files.createDirectories(dir);
            git(dir, "init", "-q", "-b", "main");
            Files.writeString(dir.resolve("README.md"), "test repository\n");
            git(dir, "add", "README.md");
            git(
                    dir,
                    "-c",
                    "user.name=Forgeline Test",
                    "-c",
                    "user.email=test@forgeline.dev",
                    "commit",
                    "-q",
                    "-m",
                    "initial commit");
            return dir.toAbsolutePath().normalize();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void git(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString()));
        command.addAll(List.of(args));
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
