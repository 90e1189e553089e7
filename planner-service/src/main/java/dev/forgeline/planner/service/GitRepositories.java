package dev.forgeline.planner.service;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jakarta.enterprise.context.ApplicationScoped;

/** Asks the real {@code git} about a target repository. */
@ApplicationScoped
public class GitRepositories {
    private static final long TIMEOUT_SECONDS = 15;

    /**
     * Whether {@code directory} itself is a git repository (a work tree root or a bare repository). Git is
     * not allowed to search the parent directories: a plain folder inside some other repository is not one.
     */
    public boolean isRepository(Path directory) {
        return git(directory, "rev-parse", "--git-dir");
    }

    /** Whether the repository has the local branch {@code branch}. */
    public boolean hasBranch(Path repository, String branch) {
        return git(repository, "rev-parse", "--verify", "--quiet", "refs/heads/" + branch);
    }

    private static boolean git(Path directory, String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", directory.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("GIT_TERMINAL_PROMPT", "0");
        Path parent = directory.getParent();
        if (parent != null) {
            builder.environment().put("GIT_CEILING_DIRECTORIES", parent.toString());
        }
        try {
            Process process = builder.start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("git " + String.join(" ", args) + " in " + directory
                        + " did not finish within " + TIMEOUT_SECONDS + "s");
            }
            return process.exitValue() == 0;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run git: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running git", e);
        }
    }
}
