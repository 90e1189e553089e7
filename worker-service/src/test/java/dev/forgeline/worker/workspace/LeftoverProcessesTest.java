package dev.forgeline.worker.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.forgeline.support.git.GitRunner;
import dev.forgeline.support.process.LeftoverProcesses;
import dev.forgeline.support.process.ProcStat;
import dev.forgeline.support.process.ProcessRequest;
import dev.forgeline.support.process.ProcessResult;
import dev.forgeline.support.process.ProcessRunner;
import dev.forgeline.support.process.TrackedProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real process trees, real signals: what a worker that died leaves running is found again from the attempt's
 * record by a later run, by process group and session, and killed; nothing else is.
 */
@EnabledOnOs(OS.LINUX)
class LeftoverProcessesTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private final List<Long> started = new java.util.ArrayList<>();

    @AfterEach
    void killWhatIsLeft() {
        started.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    private Workspaces workspaces() {
        return new Workspaces(
                dir.resolve("workspace"),
                new GitRunner(GitRunner.Settings.defaults()),
                "refs/heads/forgeline/",
                Duration.ZERO,
                0,
                0);
    }

    @Test
    void theRunnerStartsEachCommandAsTheLeaderOfItsOwnProcessGroupAndSession() throws Exception {
        assertThat(ProcessRunner.tracksProcessGroups())
                .as("setsid from util-linux is installed on this Linux machine")
                .isTrue();
        ProcessResult result = ProcessRunner.run(new ProcessRequest(
                List.of("sh", "-c", "echo $$; ps -o pgid= -p $$; ps -o sid= -p $$"),
                dir,
                null,
                Instant.now().plusSeconds(30),
                10,
                null));
        List<String> lines = result.outputTail().lines().map(String::strip).toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).as("process group").isEqualTo(lines.get(0));
        assertThat(lines.get(2)).as("session").isEqualTo(lines.get(0));
    }

    @Test
    void aTreeLeftByAWorkerThatDiedIsFoundFromTheAttemptRecordAndKilledWhole() throws Exception {
        UUID lease = UUID.randomUUID();
        Workspaces running = workspaces();
        // a shell whose child shell runs a sleep, plus a sleep whose parent exits at once (re-parented to init)
        String script = "echo $$ > leader.pid; sh -c 'sleep 300 & echo $! > grandchild.pid; wait' &"
                + " echo $! > child.pid; (sleep 301 & echo $! > orphan.pid); echo working; wait";
        CompletableFuture<ProcessResult> run = CompletableFuture.supplyAsync(() -> {
            try {
                return ProcessRunner.run(new ProcessRequest(
                        List.of("sh", "-c", script),
                        dir,
                        null,
                        Instant.now().plusSeconds(600),
                        10,
                        null,
                        null,
                        Map.of(),
                        null,
                        running.processLedger(lease)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(WAIT).until(() -> written("leader.pid", "child.pid", "grandchild.pid", "orphan.pid"));
        long leader = pid("leader.pid");
        long child = pid("child.pid");
        long grandchild = pid("grandchild.pid");
        long orphan = pid("orphan.pid");
        started.addAll(List.of(leader, child, grandchild, orphan));
        assertThat(ProcessHandle.of(leader).orElseThrow().descendants().map(ProcessHandle::pid))
                .as("the re-parented sleep is no descendant of the tree any more")
                .contains(child, grandchild)
                .doesNotContain(orphan);

        // the worker "dies": its runner is left as it is (it would only kill at the deadline); a new run of the
        // worker knows nothing but what the attempt record on disk says
        Workspaces restarted = workspaces();
        List<TrackedProcess> recorded = restarted.trackedProcesses(lease);
        assertThat(recorded).singleElement().satisfies(p -> {
            assertThat(p.pid()).isEqualTo(leader);
            assertThat(p.ownGroup()).isTrue();
            assertThat(p.bootId()).isEqualTo(ProcStat.bootId().orElseThrow());
        });

        LeftoverProcesses.Outcome outcome =
                LeftoverProcesses.kill(recorded, Duration.ofSeconds(2), Duration.ofSeconds(10));

        assertThat(outcome.surviving()).isEmpty();
        assertThat(outcome.killed())
                .extracting(LeftoverProcesses.Found::pid)
                .containsExactlyInAnyOrder(leader, child, grandchild, orphan);
        assertThat(outcome.killed())
                .extracting(LeftoverProcesses.Found::command)
                .contains("sh", "sleep");
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(gone(leader)).as("leader").isTrue();
            assertThat(gone(child)).as("child").isTrue();
            assertThat(gone(grandchild)).as("grandchild").isTrue();
            assertThat(gone(orphan)).as("re-parented sleep").isTrue();
        });
        assertThat(run.get(WAIT.toSeconds(), TimeUnit.SECONDS).exitCode()).isNotZero();

        restarted.recordEnd(lease);
        assertThat(restarted.trackedProcesses(lease)).isEmpty();
    }

    @Test
    void membersOfAGroupWhoseLeaderDiedAreFoundByTheGroup() throws Exception {
        Process leader = new ProcessBuilder(
                        "setsid",
                        "sh",
                        "-c",
                        "sleep 300 & echo $! > member.pid; while [ ! -f go ]; do sleep 0.05; done")
                .directory(dir.toFile())
                .start();
        started.add(leader.pid());
        await().atMost(WAIT)
                .until(() -> TrackedProcess.of(leader.pid())
                                .filter(TrackedProcess::ownGroup)
                                .isPresent()
                        && written("member.pid"));
        TrackedProcess record = TrackedProcess.of(leader.pid()).orElseThrow();
        long member = pid("member.pid");
        started.add(member);
        Files.createFile(dir.resolve("go"));
        assertThat(leader.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(ProcStat.of(member).orElseThrow().processGroup()).isEqualTo(leader.pid());

        LeftoverProcesses.Outcome outcome =
                LeftoverProcesses.kill(List.of(record), Duration.ofSeconds(2), Duration.ofSeconds(10));

        assertThat(outcome.killed()).extracting(LeftoverProcesses.Found::pid).containsExactly(member);
        await().atMost(WAIT).until(() -> gone(member));
    }

    @Test
    void aRecordWhosePidNowBelongsToAnotherProcessKillsNothing() throws Exception {
        Process unrelated = new ProcessBuilder("sleep", "300").start();
        started.add(unrelated.pid());
        ProcStat stat =
                await().atMost(WAIT).until(() -> ProcStat.of(unrelated.pid()).orElse(null), s -> s != null);
        String boot = ProcStat.bootId().orElseThrow();
        TrackedProcess otherStart = new TrackedProcess(unrelated.pid(), unrelated.pid(), stat.startTicks() + 1, boot);
        TrackedProcess otherBoot = new TrackedProcess(
                unrelated.pid(),
                unrelated.pid(),
                stat.startTicks(),
                UUID.randomUUID().toString());

        LeftoverProcesses.Outcome outcome =
                LeftoverProcesses.kill(List.of(otherStart, otherBoot), Duration.ZERO, Duration.ofSeconds(2));

        assertThat(outcome.killed()).isEmpty();
        assertThat(outcome.surviving()).isEmpty();
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(unrelated::isAlive);

        // the same process named with its real start time and boot is found and killed: the checks above are what
        // spared it
        LeftoverProcesses.Outcome control = LeftoverProcesses.kill(
                List.of(new TrackedProcess(unrelated.pid(), 0, stat.startTicks(), boot)),
                Duration.ZERO,
                Duration.ofSeconds(5));
        assertThat(control.killed()).extracting(LeftoverProcesses.Found::pid).containsExactly(unrelated.pid());
        assertThat(unrelated.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }

    private boolean written(String... files) throws Exception {
        for (String file : files) {
            Path path = dir.resolve(file);
            if (!Files.exists(path) || Files.readString(path).isBlank()) {
                return false;
            }
        }
        return true;
    }

    private long pid(String file) throws Exception {
        return Long.parseLong(Files.readString(dir.resolve(file)).strip());
    }

    /** Gone: no such process, or a zombie nobody has reaped yet (it runs nothing). */
    private static boolean gone(long pid) {
        return ProcStat.of(pid).map(ProcStat::zombie).orElse(true);
    }
}
