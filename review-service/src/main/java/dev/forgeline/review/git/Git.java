package dev.forgeline.review.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

/**
 * Runs the git CLI. Workers create branches and worktrees in the same repositories at the same time, so a
 * command that failed on a lock held by another git process ({@code index.lock}, {@code cannot lock ref})
 * is retried a few times.
 */
@ApplicationScoped
public class Git {
    static final int LOCK_RETRIES = 5;
    private static final Logger LOG = Logger.getLogger(Git.class);
    private static final long TIMEOUT_SECONDS = 120;

    /** Runs {@code git -C dir args...}; a non-zero exit is returned, not thrown. */
    public GitResult run(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString()));
        command.addAll(List.of(args));
        GitResult result = runOnce(command);
        for (int retry = 1; retry <= LOCK_RETRIES && !result.ok() && lockContention(result); retry++) {
            LOG.debugf("git lock contention in %s, retry %d: %s", dir, retry, result.firstMessageLine());
            pauseBeforeRetry(retry);
            result = runOnce(command);
        }
        return result;
    }

    /** Runs a command that must succeed. */
    public GitResult check(Path dir, String... args) {
        GitResult result = run(dir, args);
        if (!result.ok()) {
            throw new GitException(String.join(
                            " ", result.command().subList(3, result.command().size())) + " failed in " + dir + ": "
                    + result.firstMessageLine());
        }
        return result;
    }

    /** The command failed because another git process held a lock. */
    static boolean lockContention(GitResult result) {
        String text = (result.stderr() + "\n" + result.stdout()).toLowerCase(Locale.ROOT);
        return text.contains("index.lock") || text.contains("cannot lock ref");
    }

    private static GitResult runOnce(List<String> command) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("git-out-", ".txt");
            err = Files.createTempFile("git-err-", ".txt");
            ProcessBuilder builder =
                    new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            Map<String, String> env = builder.environment();
            env.put("LC_ALL", "C");
            env.put("GIT_TERMINAL_PROMPT", "0");
            env.put("GIT_MERGE_AUTOEDIT", "no");
            env.put("GIT_EDITOR", "true");
            Process process = builder.start();
            process.getOutputStream().close();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new GitException(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            return new GitResult(
                    command,
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new GitException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GitException("interrupted while running " + String.join(" ", command), e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /** Waits a little longer before each retry of a command that met a lock. */
    static void pauseBeforeRetry(int retry) {
        try {
            Thread.sleep(100L * retry);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GitException("interrupted while waiting for a git lock", e);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover temp file is harmless
            }
        }
    }
}
