package dev.forgeline.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real git repositories for tests, made and read with the git CLI. */
public final class TestRepositories {
    private TestRepositories() {}

    /** A new repository under {@code parent} with one commit on {@code main}. */
    public static Path create(Path parent) throws IOException, InterruptedException {
        Path repository = Files.createTempDirectory(Files.createDirectories(parent), "repo-");
        git(repository, "init", "-q", "-b", "main");
        Files.writeString(repository.resolve("README.md"), "test repository\n");
        git(repository, "add", "README.md");
        git(
                repository,
                "-c",
                "user.name=Test",
                "-c",
                "user.email=test@localhost",
                "-c",
                "commit.gpgsign=false",
                "commit",
                "-q",
                "-m",
                "initial commit");
        return repository;
    }

    /** Runs git in {@code repository}; fails the test unless it exits 0. */
    public static String git(Path repository, String... args) throws IOException, InterruptedException {
        GitResult result = tryGit(repository, args);
        if (result.exitCode() != 0) {
            throw new AssertionError("git " + String.join(" ", args) + " failed: " + result.output());
        }
        return result.output();
    }

    public record GitResult(int exitCode, String output) {}

    public static GitResult tryGit(Path repository, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git", "-C", repository.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("git " + String.join(" ", args) + " hung");
        }
        return new GitResult(process.exitValue(), output);
    }
}
