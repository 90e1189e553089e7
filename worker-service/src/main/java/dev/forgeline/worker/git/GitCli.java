package dev.forgeline.worker.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

/**
 * Runs the real git CLI. Commands for one repository (in it or in one of its worktrees) run one at a time: the
 * worktrees share the repository's refs and metadata, and concurrent attempts would otherwise trip over each
 * other's lock files. A command that still fails on a lock (held by someone outside this worker) is retried.
 */
@ApplicationScoped
public class GitCli {
    private static final Logger LOG = Logger.getLogger(GitCli.class);
    private static final int MAX_TRIES = 5;
    private static final long TIMEOUT_MINUTES = 5;

    private final ConcurrentHashMap<Path, ReentrantLock> locks = new ConcurrentHashMap<>();

    /**
     * Runs {@code git -C <directory> <args>} under the lock of {@code repository} and fails unless it exits 0.
     *
     * @return its standard output
     */
    public String run(Path repository, Path directory, String... args)
            throws GitCommandException, InterruptedException {
        GitOutput output = exec(repository, directory, args);
        if (!output.ok()) {
            throw new GitCommandException(describe(args) + " failed (exit " + output.exitCode() + "): "
                    + firstLines(output.stderr().isBlank() ? output.stdout() : output.stderr()));
        }
        return output.stdout();
    }

    /** Runs {@code git -C <directory> <args>} under the lock of {@code repository}, whatever its exit code. */
    public GitOutput exec(Path repository, Path directory, String... args)
            throws GitCommandException, InterruptedException {
        ReentrantLock lock = locks.computeIfAbsent(lockKey(repository), k -> new ReentrantLock());
        lock.lockInterruptibly();
        try {
            GitOutput output = null;
            for (int attempt = 1; attempt <= MAX_TRIES; attempt++) {
                output = execOnce(directory, args);
                if (output.ok() || !isLockContention(output)) {
                    return output;
                }
                LOG.debugf("%s hit a git lock (try %d of %d)", describe(args), attempt, MAX_TRIES);
                TimeUnit.MILLISECONDS.sleep(200L * attempt);
            }
            return output;
        } finally {
            lock.unlock();
        }
    }

    static boolean isLockContention(GitOutput output) {
        String text = (output.stderr() + "\n" + output.stdout()).toLowerCase(Locale.ROOT);
        return text.contains("index.lock") || text.contains("cannot lock ref");
    }

    private GitOutput execOnce(Path directory, String... args) throws GitCommandException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git", "-C", directory.toString()));
        command.addAll(List.of(args));
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("forgeline-git", ".out");
            err = Files.createTempFile("forgeline-git", ".err");
            ProcessBuilder builder =
                    new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().put("GIT_TERMINAL_PROMPT", "0");
            Process process = builder.start();
            process.getOutputStream().close();
            if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new GitCommandException(
                        describe(args) + " did not finish within " + TIMEOUT_MINUTES + " minutes");
            }
            return new GitOutput(
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new GitCommandException(describe(args) + " could not run: " + e.getMessage(), e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static Path lockKey(Path repository) {
        Path absolute = repository.toAbsolutePath().normalize();
        try {
            return absolute.toRealPath();
        } catch (IOException e) {
            return absolute;
        }
    }

    private static String describe(String... args) {
        return "git " + String.join(" ", args).lines().findFirst().orElse("");
    }

    private static String firstLines(String text) {
        return text.strip().lines().limit(5).reduce((a, b) -> a + " | " + b).orElse("");
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a temp file left behind is harmless
            }
        }
    }
}
