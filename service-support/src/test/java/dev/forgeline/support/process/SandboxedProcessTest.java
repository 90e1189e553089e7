package dev.forgeline.support.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A hostile command run through the real process runner under real bubblewrap: it tries to read the service's
 * environment and a credential file, write outside its working directory, install a git hook, reach a TCP port the
 * test listens on and leave a background process. Each attempt is checked from evidence, and the same script run
 * unconfined shows that the evidence would catch it.
 *
 * <p>Skipped where bubblewrap does not work, unless {@code FORGELINE_REQUIRE_SANDBOX=1} (CI sets it): then it fails.
 */
class SandboxedProcessTest {
    /** Set in this JVM's environment by the module's surefire configuration. */
    static final String CANARY_NAME = "FORGELINE_CANARY_SECRET";

    @BeforeAll
    static void bubblewrapWorks() {
        if (!Bubblewrap.available()) {
            String message = "bubblewrap does not work here: " + Bubblewrap.unavailableReason();
            if ("1".equals(System.getenv("FORGELINE_REQUIRE_SANDBOX"))) {
                throw new AssertionError(message + ", and FORGELINE_REQUIRE_SANDBOX=1 requires it");
            }
            Assumptions.abort(message);
        }
        assertThat(System.getenv(CANARY_NAME))
                .as("the canary secret must be in the test JVM's environment (surefire sets it)")
                .isNotBlank();
    }

    /**
     * Outside /tmp (the build directory): the sandbox's private /tmp would hide files there, and the test would
     * not show that the file system is read-only and the credential directory masked.
     */
    private Path dir;

    @BeforeEach
    void createDirectory() throws IOException {
        dir = Files.createTempDirectory(
                Files.createDirectories(Path.of("target", "sandbox-tests")).toAbsolutePath(), "run-");
    }

    @AfterEach
    void deleteDirectory() throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** What a run of the hostile script left behind. */
    record Evidence(
            String writtenByCommand,
            String outsideFile,
            boolean hookInstalled,
            boolean hookRan,
            int connections,
            List<String> leftProcesses,
            ProcessResult result) {}

    @Test
    void aSandboxedCommandCannotReachTheServiceTheHostOrOutliveItsRun() throws Exception {
        Evidence confined = attack(dir.resolve("confined"), true, true);

        assertThat(confined.result().exitCode()).isZero();
        assertThat(confined.writtenByCommand())
                .as("what the command could read and write")
                .contains("ATTEMPTS DONE")
                .doesNotContain(System.getenv(CANARY_NAME))
                .doesNotContain("credential-canary-91c2");
        assertThat(confined.outsideFile()).isEqualTo("original\n");
        assertThat(confined.hookInstalled()).isFalse();
        assertThat(confined.hookRan()).isFalse();
        assertThat(confined.connections()).isZero();
        assertThat(confined.leftProcesses()).isEmpty();
        // refused by the sandbox, not missed: the paths exist, the file system is read-only, the credential masked
        assertThat(confined.result().outputTail()).contains("Read-only file system");
        assertThat(confined.writtenByCommand()).contains("git-credentials: No such file or directory");
        // the private /tmp and home are writable; the command's own variable reached it
        assertThat(confined.writtenByCommand()).contains("tmp writable").contains("HOME=/tmp/home");
        assertThat(confined.writtenByCommand()).contains("REQUEST_VAR=given");
    }

    @Test
    void theSameCommandUnconfinedDoesAllOfItSoTheEvidenceIsReal() throws Exception {
        // no background process here: unconfined, a new session escapes the runner (what the sandbox closes)
        Evidence open = attack(dir.resolve("open"), false, false);

        assertThat(open.writtenByCommand()).contains(System.getenv(CANARY_NAME)).contains("credential-canary-91c2");
        assertThat(open.outsideFile()).contains("written by the command");
        assertThat(open.hookInstalled()).isTrue();
        assertThat(open.hookRan()).isTrue();
        assertThat(open.connections()).isPositive();
    }

    @Test
    void aSandboxWithNetworkReachesTheHostsPorts() throws Exception {
        Evidence networked =
                attack(dir.resolve("net"), true, false, Sandbox.isolated().withNetwork(true));

        assertThat(networked.connections()).isPositive();
        assertThat(networked.writtenByCommand()).doesNotContain(System.getenv(CANARY_NAME));
        assertThat(networked.outsideFile()).isEqualTo("original\n");
    }

    @Test
    void killingTheRecordedGroupEndsEverythingInTheSandbox() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        String marker = String.valueOf(900_000 + ThreadLocalRandom.current().nextInt(99_999));
        List<TrackedProcess> ledger = new CopyOnWriteArrayList<>();
        CompletableFuture<ProcessResult> running = CompletableFuture.supplyAsync(() -> {
            try {
                return ProcessRunner.run(new ProcessRequest(
                                List.of("sh", "-c", "setsid sleep " + marker + " & sleep " + marker + "; true"),
                                work,
                                null,
                                Instant.now().plusSeconds(120),
                                20,
                                null,
                                null,
                                Map.of(),
                                null,
                                ledger::add)
                        .withSandbox(Sandbox.isolated()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // both sleeps run (one in a session of its own) before the group is killed, as a later run of the worker would
        await().atMost(Duration.ofSeconds(20)).until(() -> processesWith(marker).size() == 2 && !ledger.isEmpty());
        assertThat(ledger.get(0).ownGroup()).isTrue();
        assertThat(ProcStat.of(ledger.get(0).pid()).orElseThrow().command()).isEqualTo("bwrap");

        LeftoverProcesses.kill(ledger, Duration.ZERO, Duration.ofSeconds(10));

        await().atMost(Duration.ofSeconds(10)).until(() -> processesWith(marker).isEmpty());
        ProcessResult result = running.get(20, TimeUnit.SECONDS);
        assertThat(result.exitCode()).isNotZero();
        assertThat(processesWith(marker)).isEmpty();
    }

    @Test
    void aSandboxedCommandPastItsDeadlineIsKilledWithEverythingItStarted() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        String marker = String.valueOf(800_000 + ThreadLocalRandom.current().nextInt(99_999));
        ProcessResult result = ProcessRunner.run(new ProcessRequest(
                        List.of("sh", "-c", "setsid sleep " + marker + " & sleep " + marker),
                        work,
                        null,
                        Instant.now().plusSeconds(2),
                        20,
                        null)
                .withSandbox(Sandbox.isolated()));

        assertThat(result.timedOut()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> processesWith(marker).isEmpty());
    }

    private Evidence attack(Path root, boolean sandboxed, boolean background) throws Exception {
        return attack(root, sandboxed, background, Sandbox.isolated());
    }

    /**
     * Runs the hostile script in {@code root/work}; the credential file lies in {@code root/secrets} (hidden by the
     * sandbox), the file it must not change in {@code root/outside}, the repository it attacks in {@code root/repo}.
     */
    private Evidence attack(Path root, boolean sandboxed, boolean background, Sandbox base) throws Exception {
        Path work = Files.createDirectories(root.resolve("work"));
        Path secrets = Files.createDirectories(root.resolve("secrets"));
        Path credential = Files.writeString(secrets.resolve("git-credentials"), "https://u:credential-canary-91c2@h\n");
        Path outside = Files.createDirectories(root.resolve("outside"));
        Path outsideFile = Files.writeString(outside.resolve("file"), "original\n");
        Path repo = Files.createDirectories(root.resolve("repo"));
        git(repo, "init", "-q");
        Path hookRan = root.resolve("hook-ran");
        String marker = String.valueOf(700_000 + ThreadLocalRandom.current().nextInt(99_999));

        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(200);
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket ignored = server.accept()) {
                        connections.incrementAndGet();
                    } catch (SocketTimeoutException e) {
                        // look again until closed
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();

            String script = String.join(
                    "\n",
                    "out=evidence.txt",
                    "{ cat /proc/$PPID/environ; echo; cat /proc/1/environ; echo; env; } >> $out 2>&1",
                    "for p in /proc/[0-9]*/environ; do cat $p; echo; done >> $out 2>&1",
                    "cat '" + credential + "' >> $out 2>&1",
                    "echo 'written by the command' > '" + outsideFile + "' 2>> $out",
                    "printf '#!/bin/sh\\ntouch " + hookRan + "\\n' > '" + repo + "/.git/hooks/post-commit' 2>> $out",
                    "chmod +x '" + repo + "/.git/hooks/post-commit' 2>> $out",
                    "bash -c 'echo hello > /dev/tcp/127.0.0.1/" + server.getLocalPort() + "' >> $out 2>&1",
                    "echo x > /tmp/probe && echo 'tmp writable' >> $out",
                    "echo HOME=$HOME >> $out",
                    "echo REQUEST_VAR=$REQUEST_VAR >> $out",
                    background ? "setsid sleep " + marker + " > /dev/null 2>&1 < /dev/null &" : "true",
                    "echo 'ATTEMPTS DONE' >> $out");
            ProcessRequest request = new ProcessRequest(
                    List.of("sh", "-c", script),
                    work,
                    null,
                    Instant.now().plusSeconds(60),
                    50,
                    null,
                    null,
                    Map.of("REQUEST_VAR", "given"),
                    null,
                    null);
            ProcessResult result =
                    ProcessRunner.run(sandboxed ? request.withSandbox(base.withHidden(List.of(secrets))) : request);
            server.close();
            acceptor.join(5_000);

            // a commit with hooks enabled: the hook runs if the command managed to install it
            Path hook = repo.resolve(".git/hooks/post-commit");
            boolean hookInstalled = Files.exists(hook);
            git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "probe");
            return new Evidence(
                    readAll(root),
                    Files.readString(outsideFile),
                    hookInstalled,
                    Files.exists(hookRan),
                    connections.get(),
                    processesWith(marker),
                    result);
        }
    }

    /** Every file below {@code root} the command could have written, as text. */
    private static String readAll(Path root) throws IOException {
        StringBuilder text = new StringBuilder();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile)
                    .filter(f ->
                            !f.toString().contains("/.git/") && !f.toString().contains("/secrets/"))
                    .toList()) {
                text.append(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
                        .append('\n');
            }
        }
        return text.toString();
    }

    /** Live processes whose command line holds {@code marker}. */
    static List<String> processesWith(String marker) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .map(p -> {
                        try {
                            return new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                                    .replace('\0', ' ')
                                    .strip();
                        } catch (IOException e) {
                            return "";
                        }
                    })
                    .filter(cmd -> cmd.contains(marker) && !cmd.contains("sh -c"))
                    .toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void git(Path dir, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor())
                .as("git %s: %s", String.join(" ", args), output)
                .isZero();
    }
}
