package dev.forgeline.support.process;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

/**
 * Runs agents and test commands: secret-free environment, prompt on stdin, stdout and stderr merged into a
 * bounded tail, and the whole process tree killed at the deadline. Processes the command leaves behind when it
 * exits are killed too, so nothing an attempt started outlives it.
 *
 * <p>On Linux each command is started through {@code setsid}: it leads a session and process group of its own, and
 * everything it spawns stays in them even when re-parented to init. The process is written down in the request's
 * {@link ProcessLedger} (pid, group, start time, boot id) so that a later run of the worker finds and kills the
 * group should this JVM die without cleaning up ({@link LeftoverProcesses}). Without {@code setsid} or
 * {@code /proc} (macOS, Windows) commands run as before: the tree is known only while this JVM lives.
 *
 * <p>A request with a {@link Sandbox} runs under bubblewrap ({@link Bubblewrap}): {@code setsid bwrap ... -- cmd}.
 * The ledger records bwrap, which leads the group; bwrap dies with its parent ({@code --die-with-parent}) and the
 * command runs in a pid namespace of its own, so when bwrap is killed, or the command ends, the kernel kills every
 * process left in that namespace, including those that started sessions of their own.
 */
public final class ProcessRunner {
    private static final Logger LOG = Logger.getLogger(ProcessRunner.class);
    private static final long POLL_MILLIS = 200;
    private static final int MAX_LINE_CHARS = 1_000_000;
    private static final int MAX_SHOWN_CHARS = 4_000;

    private static final Optional<Path> SETSID = findSetsid();

    private ProcessRunner() {}

    /** Whether started commands get a session and process group of their own that outlive this JVM's view. */
    public static boolean tracksProcessGroups() {
        return SETSID.isPresent();
    }

    private static Optional<Path> findSetsid() {
        if (!ProcStat.available()) {
            LOG.info("no /proc on this system: processes left by a worker that died cannot be found by its next run");
            return Optional.empty();
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        Optional<Path> found = Stream.concat(
                        Arrays.stream(path.split(File.pathSeparator)), Stream.of("/usr/bin", "/bin"))
                .filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, "setsid"))
                .filter(Files::isExecutable)
                .findFirst();
        if (found.isEmpty()) {
            LOG.warn("setsid (util-linux) not found: agents and tests share the worker's process group, and what they"
                    + " spawn cannot be found again should the worker die; install util-linux to close that gap");
        }
        return found;
    }

    /**
     * Runs the process to its end or its deadline.
     *
     * @throws IOException          the process could not be started
     * @throws InterruptedException the worker is shutting down (the process tree has been killed)
     */
    public static ProcessResult run(ProcessRequest request) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        SETSID.ifPresent(setsid -> command.add(setsid.toString()));
        Sandbox sandbox = request.sandbox();
        if (sandbox != null && !Bubblewrap.available()) {
            throw new IOException("the command must run sandboxed but bubblewrap (bwrap) is not available here: "
                    + Bubblewrap.unavailableReason());
        }
        command.addAll(
                sandbox == null
                        ? request.command()
                        : Bubblewrap.command(sandbox, request.directory(), request.command()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(request.directory().toFile())
                .redirectErrorStream(true);
        if (sandbox == null) {
            ChildEnvironment.scrub(builder.environment());
            builder.environment().putAll(request.environment());
        } else {
            // an allow-list, never the service's own environment (bwrap hands it on to the command)
            Map<String, String> allowed = Bubblewrap.environment(sandbox, System.getenv(), request.environment());
            builder.environment().clear();
            builder.environment().putAll(allowed);
        }
        long started = System.nanoTime();
        Process process = builder.start();
        // written down before anything else: should the worker die from here on, its next run finds the group
        Optional<TrackedProcess> tracked = track(process);
        tracked.ifPresent(request.ledger()::started);
        OutputTail tail = new OutputTail(request.tailLines());
        Consumer<String> onLine = request.onLine();
        Consumer<String> onRawLine = request.onRawLine();
        Thread reader = daemon(
                "output-" + process.pid(),
                () -> readLines(process.getInputStream(), line -> {
                    if (onRawLine != null) {
                        onRawLine.accept(line);
                    }
                    // only the raw parser sees long lines (JSON events); tails and heartbeats get a bounded line
                    String masked = SecretMasker.mask(
                            line.length() > MAX_SHOWN_CHARS ? line.substring(0, MAX_SHOWN_CHARS) : line);
                    tail.accept(masked);
                    if (onLine != null) {
                        onLine.accept(masked);
                    }
                }));
        Thread writer =
                daemon("input-" + process.pid(), () -> writeAndClose(process.getOutputStream(), request.stdin()));
        reader.start();
        writer.start();

        Set<ProcessHandle> seen = new LinkedHashSet<>();
        boolean timedOut = false;
        boolean stopped = false;
        try {
            while (true) {
                process.descendants().forEach(seen::add);
                if (request.stop() != null && request.stop().getAsBoolean()) {
                    stopped = true;
                    break;
                }
                long remaining =
                        Duration.between(Instant.now(), request.deadline()).toMillis();
                if (remaining <= 0) {
                    timedOut = true;
                    break;
                }
                if (process.waitFor(Math.min(remaining, POLL_MILLIS), TimeUnit.MILLISECONDS)) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            killTree(process, seen, tracked);
            throw e;
        }
        killTree(process, seen, tracked);
        int exitCode = process.waitFor();
        long durationMillis = (System.nanoTime() - started) / 1_000_000;
        // the pipe closes once every process holding it is gone; do not wait forever on a stray holder
        reader.join(2_000);
        return new ProcessResult(exitCode, tail.toString(), durationMillis, timedOut, stopped);
    }

    /**
     * Describes the started process once {@code setsid} has made it a group leader: {@code start()} may return
     * before the child got that far, so its group is read again for a short while.
     */
    private static Optional<TrackedProcess> track(Process process) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        Optional<TrackedProcess> tracked = TrackedProcess.of(process.pid());
        while (SETSID.isPresent()
                && tracked.isPresent()
                && !tracked.get().ownGroup()
                && process.isAlive()
                && System.nanoTime() < until) {
            LockSupport.parkNanos(100_000);
            tracked = TrackedProcess.of(process.pid());
        }
        if (SETSID.isPresent() && tracked.isPresent() && !tracked.get().ownGroup()) {
            // setsid makes the process the leader of a new session and group before it runs the command; a command
            // that ended (or a machine too busy to show the change) before it was seen still led group = its pid,
            // and what it left there must be found
            TrackedProcess seen = tracked.get();
            tracked = Optional.of(new TrackedProcess(seen.pid(), seen.pid(), seen.startTicks(), seen.bootId()));
        }
        return tracked;
    }

    /**
     * Kills the descendants first (they are re-parented and lost from view once the process dies), then it, then
     * whatever is left in its process group and session.
     */
    static void killTree(Process process, Set<ProcessHandle> seen, Optional<TrackedProcess> tracked) {
        for (int round = 0; round < 3; round++) {
            var descendants = process.descendants().toList();
            if (descendants.isEmpty()) {
                break;
            }
            seen.addAll(descendants);
            descendants.forEach(ProcessHandle::destroyForcibly);
        }
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        seen.forEach(ProcessHandle::destroyForcibly);
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (ProcessHandle handle : seen) {
            try {
                long left = waitUntil - System.nanoTime();
                if (left > 0) {
                    handle.onExit().get(left, TimeUnit.NANOSECONDS);
                }
            } catch (Exception e) {
                LOG.debugf("process %d did not report its exit: %s", handle.pid(), e.toString());
            }
        }
        tracked.filter(TrackedProcess::ownGroup).ifPresent(group -> {
            var outcome = LeftoverProcesses.kill(List.of(group), Duration.ZERO, Duration.ofSeconds(5));
            if (!outcome.killed().isEmpty() || !outcome.surviving().isEmpty()) {
                LOG.debugf(
                        "process group %d: killed %s, surviving %s",
                        group.processGroup(), outcome.killed(), outcome.surviving());
            }
        });
    }

    private static void readLines(InputStream stream, Consumer<String> onLine) {
        try (Reader reader = new InputStreamReader(stream, StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder();
            char[] buffer = new char[4096];
            int n;
            while ((n = reader.read(buffer)) >= 0) {
                for (int i = 0; i < n; i++) {
                    char c = buffer[i];
                    if (c == '\n') {
                        emit(line, onLine);
                    } else if (c != '\r' && line.length() < MAX_LINE_CHARS) {
                        line.append(c);
                    }
                }
            }
            if (line.length() > 0) {
                emit(line, onLine);
            }
        } catch (IOException e) {
            LOG.debugf("output stream closed: %s", e.getMessage());
        }
    }

    private static void emit(StringBuilder line, Consumer<String> onLine) {
        onLine.accept(line.toString());
        line.setLength(0);
    }

    private static void writeAndClose(OutputStream stdin, String text) {
        try (stdin) {
            if (text != null) {
                stdin.write(text.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the process exited or closed its input without reading everything: not an error of ours
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }
}
