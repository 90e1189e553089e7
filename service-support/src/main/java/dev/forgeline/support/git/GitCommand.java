package dev.forgeline.support.git;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One git invocation: where it runs, its arguments, the remote it talks to (for SSH credentials), the
 * repository whose lock it holds (the directory itself unless told otherwise, e.g. the main repository of a
 * worktree), and optional limits. It runs at the root of a repository or worktree (or anywhere for commands
 * that need none, such as clone): git does not look for a repository in the parent directories.
 */
public final class GitCommand {
    final Path directory;
    final List<String> args;
    RepositoryUrl remote;
    Path lockKey;
    Duration timeout;
    Integer attempts;
    final Map<String, String> environment = new LinkedHashMap<>();

    private GitCommand(Path directory, List<String> args) {
        this.directory =
                Objects.requireNonNull(directory, "directory").toAbsolutePath().normalize();
        this.args = List.copyOf(args);
        this.lockKey = this.directory;
    }

    public static GitCommand in(Path directory, String... args) {
        return new GitCommand(directory, List.of(args));
    }

    public static GitCommand in(Path directory, List<String> args) {
        return new GitCommand(directory, new ArrayList<>(args));
    }

    /** The remote the command talks to: its host's SSH key is used. */
    public GitCommand remote(RepositoryUrl url) {
        this.remote = url;
        return this;
    }

    /** Serialise with other commands on {@code repository} (e.g. the repository a worktree belongs to). */
    public GitCommand lockOn(Path repository) {
        this.lockKey = repository.toAbsolutePath().normalize();
        return this;
    }

    public GitCommand timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /** Tries on lock contention or a transient network error, the first included; 1: no retry. */
    public GitCommand attempts(int attempts) {
        this.attempts = Math.max(1, attempts);
        return this;
    }

    /** An extra environment variable (e.g. {@code GIT_AUTHOR_NAME}); never a secret. */
    public GitCommand env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    public Path directory() {
        return directory;
    }

    public List<String> args() {
        return args;
    }
}
