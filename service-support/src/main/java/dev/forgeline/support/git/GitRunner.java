package dev.forgeline.support.git;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

/**
 * The one way Forgeline runs git: the real git CLI with a time limit (the whole process tree is killed when it
 * runs out), no terminal prompts, no hooks, no system config, credentials from files per host (see
 * {@link GitCredentials}), one command at a time per repository, and retries with backoff on a held lock or a
 * transient network error (never on refused credentials or a missing repository). Failures are
 * {@link GitException}s of a {@link GitFailure} kind; every message is masked.
 *
 * <p>A CDI bean configured by {@link GitConfig}; {@link #GitRunner(Settings)} builds one without CDI.
 */
@ApplicationScoped
public class GitRunner {
    private static final Logger LOG = Logger.getLogger(GitRunner.class);
    private static final int MAX_MESSAGE_CHARS = 2000;

    private static final Pattern LOCK = Pattern.compile(
            "index\\.lock|cannot lock ref|unable to create '[^']*\\.lock'|could not lock config file"
                    + "|is at [0-9a-f]+ but expected|shallow file has changed",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern AUTH = Pattern.compile(
            "authentication failed|could not read username|could not read password|terminal prompts disabled"
                    + "|permission denied \\(publickey|returned error: 40[13]|invalid username or password"
                    + "|host key verification failed|access denied|http basic: access denied",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern NOT_FOUND = Pattern.compile(
            "repository '[^']*' not found|repository not found|does not appear to be a git repository"
                    + "|returned error: 404|not a git repository|no such repository|project not found",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern TRANSIENT = Pattern.compile(
            "connection reset|timed out|returned error: (5\\d\\d|429)|early eof|remote end hung up unexpectedly"
                    + "|rpc failed|operation too slow|gnutls_handshake|ssl_read|unexpected disconnect"
                    + "|http/2 stream \\d+ was not closed cleanly|transfer closed with",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern UNREACHABLE = Pattern.compile(
            "could not resolve host|failed to connect|connection refused|network is unreachable|no route to host"
                    + "|could not read from remote repository|name or service not known|couldn't connect to server",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern REJECTED = Pattern.compile(
            "\\[rejected]|\\[remote rejected]|non-fast-forward|protected branch|hook declined|failed to push some refs"
                    + "|updates were rejected",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern CONFLICT = Pattern.compile(
            "^CONFLICT \\(|automatic merge failed|could not apply|merge conflict|fix conflicts",
            Pattern.CASE_INSENSITIVE | Pattern.MULTILINE);
    private static final Pattern URL_USERINFO = Pattern.compile("(?i)(https?://)[^/@\\s'\"]+@");
    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)(://[^/@:\\s'\"]+):[^/@\\s'\"]+@");

    /** How a runner behaves. */
    public record Settings(
            Duration timeout, Duration lsRemoteTimeout, int attempts, Duration backoff, GitCredentials credentials) {
        public static Settings defaults() {
            return new Settings(
                    Duration.ofMinutes(10), Duration.ofSeconds(20), 4, Duration.ofMillis(500), GitCredentials.none());
        }

        public Settings withCredentials(GitCredentials credentials) {
            return new Settings(timeout, lsRemoteTimeout, attempts, backoff, credentials);
        }

        public Settings withTimeout(Duration timeout) {
            return new Settings(timeout, lsRemoteTimeout, attempts, backoff, credentials);
        }

        public Settings withRetries(int attempts, Duration backoff) {
            return new Settings(timeout, lsRemoteTimeout, attempts, backoff, credentials);
        }
    }

    private final Settings settings;
    private final Map<Path, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final AtomicLong retries = new AtomicLong();

    @Inject
    public GitRunner(GitConfig config) {
        this(new Settings(
                config.timeout(),
                config.lsRemoteTimeout(),
                config.attempts(),
                config.backoff(),
                GitCredentials.from(config)));
    }

    public GitRunner(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /** Tries repeated so far after a held lock or a transient network error. */
    public long retries() {
        return retries.get();
    }

    /** Runs {@code git <args>} in {@code directory}; fails with a {@link GitException} unless git exits 0. */
    public GitResult run(Path directory, String... args) {
        return run(GitCommand.in(directory, args));
    }

    public GitResult run(GitCommand command) {
        GitResult result = exec(command);
        if (!result.ok()) {
            throw failure(command, result);
        }
        return result;
    }

    /**
     * Runs a command and returns its result whatever its exit code (e.g. {@code rev-parse --verify}); still
     * retries on a held lock or a transient error and fails with {@link GitFailure#TIMEOUT} when out of time.
     */
    public GitResult exec(GitCommand command) {
        int attempts = command.attempts != null ? command.attempts : Math.max(1, settings.attempts());
        ReentrantLock lock = locks.computeIfAbsent(command.lockKey, k -> new ReentrantLock());
        lock.lock();
        try {
            long backoff = Math.max(1, settings.backoff().toMillis());
            for (int attempt = 1; ; attempt++) {
                GitResult result = once(command);
                if (result.ok() || attempt >= attempts || !retryable(result.stderr())) {
                    return result;
                }
                retries.incrementAndGet();
                LOG.debugf(
                        "git %s: try %d of %d failed (%s); again in %d ms",
                        describe(command), attempt, attempts, firstLine(result.stderr()), backoff);
                sleep(backoff);
                backoff *= 2;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code work} holding the lock of {@code repository}: several commands that must not interleave with
     * others on the same repository (the runner's own commands on it re-enter the lock).
     */
    public <T> T locked(Path repository, Supplier<T> work) {
        ReentrantLock lock = locks.computeIfAbsent(repository.toAbsolutePath().normalize(), k -> new ReentrantLock());
        lock.lock();
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }

    // ---- operations every service needs ----------------------------------------------------------------------

    /**
     * Whether {@code url} answers and has {@code branch}, under the short ls-remote time limit. Never throws for
     * the repository's own faults: they are the answer.
     */
    public RemoteCheck lsRemote(RepositoryUrl url, String branch) {
        Path neutral = Path.of(System.getProperty("java.io.tmpdir"));
        GitCommand command = GitCommand.in(neutral, "ls-remote", "--exit-code", url.toString(), "refs/heads/" + branch)
                .remote(url)
                .lockOn(neutral.resolve("ls-remote").resolve(url.toString().replace('/', '_')))
                .timeout(settings.lsRemoteTimeout())
                .attempts(Math.min(2, Math.max(1, settings.attempts())));
        GitResult result;
        try {
            result = exec(command);
        } catch (GitException e) {
            return new RemoteCheck(RemoteCheck.Status.UNREACHABLE, null);
        }
        if (result.ok()) {
            String out = result.out();
            return new RemoteCheck(RemoteCheck.Status.REACHABLE, out.isEmpty() ? null : out.split("\\s+")[0]);
        }
        if (result.exitCode() == 2 && result.stderr().isBlank()) {
            return new RemoteCheck(RemoteCheck.Status.BRANCH_MISSING, null);
        }
        return switch (classify(result.stderr())) {
            case AUTH_FAILED -> new RemoteCheck(RemoteCheck.Status.AUTH_FAILED, null);
            case NOT_FOUND -> new RemoteCheck(RemoteCheck.Status.NOT_FOUND, null);
            default -> new RemoteCheck(RemoteCheck.Status.UNREACHABLE, null);
        };
    }

    /**
     * A bare mirror of {@code url} at {@code mirror}: cloned on first use (into a sibling directory that is
     * renamed when complete, so an interrupted clone leaves nothing half-made), fetched (and pruned) after. The
     * remote's branches are under {@code refs/remotes/origin/}; local branches are the mirror's own.
     */
    public void cloneOrFetch(RepositoryUrl url, Path mirror) {
        Path target = mirror.toAbsolutePath().normalize();
        locked(target, () -> {
            if (!Files.isDirectory(target.resolve("objects"))) {
                Path partial = target.resolveSibling(target.getFileName() + ".partial");
                try {
                    Files.createDirectories(target.getParent());
                    deleteTree(partial);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                run(GitCommand.in(target.getParent(), "clone", "--bare", "--quiet", url.toString(), partial.toString())
                        .remote(url)
                        .lockOn(target));
                run(GitCommand.in(partial, "config", "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*")
                        .lockOn(target));
                try {
                    deleteTree(target);
                    Files.move(partial, target);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            run(GitCommand.in(target, "fetch", "--quiet", "--prune", "origin").remote(url));
            return null;
        });
    }

    /** Pushes {@code localRef} of {@code repository} to {@code remoteRef} of {@code remote}. */
    public void push(Path repository, RepositoryUrl remote, String localRef, String remoteRef, boolean force) {
        List<String> args = new ArrayList<>(List.of("push", "--quiet", "--porcelain"));
        if (force) {
            args.add("--force");
        }
        args.add(remote.toString());
        args.add(localRef + ":" + remoteRef);
        run(GitCommand.in(repository, args).remote(remote));
    }

    /** Adds a worktree of {@code repository} at {@code worktree} on a new branch from {@code startPoint}. */
    public void addWorktree(Path repository, Path worktree, String branch, String startPoint) {
        run(GitCommand.in(repository, "worktree", "add", "--quiet", "-B", branch, worktree.toString(), startPoint));
    }

    /** Removes a worktree (even with changes) and prunes stale worktree records. */
    public void removeWorktree(Path repository, Path worktree) {
        exec(GitCommand.in(repository, "worktree", "remove", "--force", worktree.toString()));
        run(GitCommand.in(repository, "worktree", "prune"));
    }

    // ---- running ---------------------------------------------------------------------------------------------

    private GitResult once(GitCommand command) {
        // protocol.file.allow=user: local repositories (paths, file://) the service names itself still work; a
        // submodule or other indirect fetch (GIT_PROTOCOL_FROM_USER=0) cannot pull in a local path
        List<String> line = new ArrayList<>(List.of(
                "git",
                "-c",
                "core.hooksPath=/dev/null",
                "-c",
                "protocol.ext.allow=never",
                "-c",
                "protocol.file.allow=user"));
        line.addAll(settings.credentials().configOptions());
        line.addAll(command.args);
        ProcessBuilder builder = new ProcessBuilder(line).directory(command.directory.toFile());
        Map<String, String> env = builder.environment();
        for (String inherited : List.of(
                "GIT_DIR",
                "GIT_WORK_TREE",
                "GIT_INDEX_FILE",
                "GIT_OBJECT_DIRECTORY",
                "GIT_ALTERNATE_OBJECT_DIRECTORIES",
                "GIT_CONFIG",
                "GIT_CONFIG_PARAMETERS",
                "GIT_CONFIG_COUNT",
                "GIT_ASKPASS",
                "SSH_ASKPASS",
                "GIT_SSH",
                "GIT_SSH_COMMAND",
                "GIT_PROXY_COMMAND",
                "GIT_PROTOCOL_FROM_USER")) {
            env.remove(inherited);
        }
        env.put("GIT_TERMINAL_PROMPT", "0");
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("LC_ALL", "C");
        env.put("LANGUAGE", "C");
        if (command.directory.getParent() != null) {
            // git must not take a parent directory for the repository when the directory is not one itself
            env.put("GIT_CEILING_DIRECTORIES", command.directory.getParent().toString());
        }
        settings.credentials().sshCommand(command.remote).ifPresent(ssh -> env.put("GIT_SSH_COMMAND", ssh));
        env.putAll(command.environment);

        Duration timeout = command.timeout != null ? command.timeout : settings.timeout();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new GitException(GitFailure.OTHER, describe(command), -1, "cannot start git: " + e.getMessage());
        }
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // git reads no input; a closed pipe is fine
        }
        StreamReader stdout = new StreamReader(process.getInputStream());
        StreamReader stderr = new StreamReader(process.getErrorStream());
        stdout.start();
        stderr.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                killTree(process);
                stdout.join(2000);
                stderr.join(2000);
                throw new GitException(
                        GitFailure.TIMEOUT,
                        describe(command),
                        -1,
                        "did not finish within " + timeout.toSeconds() + "s; killed. " + mask(stderr.text()));
            }
            stdout.join(10_000);
            stderr.join(10_000);
        } catch (InterruptedException e) {
            killTree(process);
            Thread.currentThread().interrupt();
            throw new GitException(GitFailure.OTHER, describe(command), -1, "interrupted");
        }
        return new GitResult(process.exitValue(), mask(stdout.text()), mask(stderr.text()));
    }

    private static void killTree(Process process) {
        // the descendants first: once git is gone they are no longer known as its children
        List<ProcessHandle> descendants = process.descendants().toList();
        descendants.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private GitException failure(GitCommand command, GitResult result) {
        String output = (result.stderr() + (result.stderr().isBlank() ? result.stdout() : "")).strip();
        if (output.length() > MAX_MESSAGE_CHARS) {
            output = "..." + output.substring(output.length() - MAX_MESSAGE_CHARS);
        }
        return new GitException(classify(output), describe(command), result.exitCode(), output);
    }

    /** The kind of a failure, from git's messages (git runs with {@code LC_ALL=C}). */
    static GitFailure classify(String stderr) {
        String text = stderr == null ? "" : stderr;
        if (AUTH.matcher(text).find()) {
            return GitFailure.AUTH_FAILED;
        }
        if (NOT_FOUND.matcher(text).find()) {
            return GitFailure.NOT_FOUND;
        }
        if (REJECTED.matcher(text).find()) {
            return GitFailure.REJECTED;
        }
        if (CONFLICT.matcher(text).find()) {
            return GitFailure.CONFLICT;
        }
        if (UNREACHABLE.matcher(text).find() || TRANSIENT.matcher(text).find()) {
            return GitFailure.UNREACHABLE;
        }
        return GitFailure.OTHER;
    }

    /** A held lock or a network hiccup, worth another try; never refused credentials or a missing repository. */
    static boolean retryable(String stderr) {
        if (AUTH.matcher(stderr).find() || NOT_FOUND.matcher(stderr).find()) {
            return false;
        }
        return LOCK.matcher(stderr).find() || TRANSIENT.matcher(stderr).find();
    }

    /** {@code text} without any configured token or URL credential. */
    String mask(String text) {
        if (text == null || text.isEmpty()) {
            return "";
        }
        String masked = text;
        for (String secret : settings.credentials().secrets()) {
            masked = masked.replace(secret, "***");
        }
        masked = URL_PASSWORD.matcher(masked).replaceAll("$1:***@");
        return URL_USERINFO.matcher(masked).replaceAll("$1***@");
    }

    private String describe(GitCommand command) {
        return mask(String.join(" ", command.args));
    }

    private static String firstLine(String text) {
        String stripped = text.strip();
        int newline = stripped.indexOf('\n');
        return newline < 0 ? stripped : stripped.substring(0, newline);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GitException(GitFailure.OTHER, "(retry)", -1, "interrupted while waiting to retry");
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** Drains one output stream of a process, so git never blocks on a full pipe. */
    private static final class StreamReader extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        StreamReader(InputStream in) {
            super("git-output");
            this.in = in;
            setDaemon(true);
        }

        @Override
        public void run() {
            try (in) {
                in.transferTo(bytes);
            } catch (IOException e) {
                // the process was killed; what was read is kept
            }
        }

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
