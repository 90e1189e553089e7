package dev.forgeline.worker.node;

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

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.support.process.ProcessRequest;
import dev.forgeline.support.process.ProcessResult;
import dev.forgeline.support.process.ProcessRunner;
import dev.forgeline.worker.attempt.AttemptProgress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker that lost contact with Kafka kills its agents: a real process tree (agent shell, its child and a
 * grandchild) is killed once no heartbeat was acknowledged for 3 heartbeat intervals, and not before.
 */
class SelfStopTest {
    @TempDir
    Path dir;

    private static AttemptProgress attempt(int heartbeatIntervalSeconds) {
        TaskReady task = new TaskReady(
                "spec-1", "Spec", "T1", "Do it", "", List.of(), "true", 60, List.of(), "/repo", "main", 0, Map.of(),
                null);
        Instant now = Instant.now();
        return new AttemptProgress(new TaskLeased(
                UUID.randomUUID(), "node", 42, 1, now, now.plusSeconds(600), heartbeatIntervalSeconds, task));
    }

    /** Starts {@code sh} running a child that runs a grandchild, both sleeping; records their pids. */
    private CompletableFuture<ProcessResult> startProcessTree(AttemptProgress progress) {
        String script =
                "sh -c 'sleep 300 & echo $! > grandchild.pid; wait' & echo $! > child.pid; echo agent working; wait";
        return CompletableFuture.supplyAsync(() -> {
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
                        progress::stopRequested,
                        null));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private long pid(String file) throws Exception {
        return Long.parseLong(Files.readString(dir.resolve(file)).strip());
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void anAttemptWhoseWorkerLostContactForThreeIntervalsIsKilledWithItsWholeProcessTree() throws Exception {
        AttemptProgress progress = attempt(1);
        ContactMonitor contact = new ContactMonitor();
        CompletableFuture<ProcessResult> run = startProcessTree(progress);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> Files.exists(dir.resolve("grandchild.pid"))
                        && Files.size(dir.resolve("grandchild.pid")) > 0
                        && Files.exists(dir.resolve("child.pid")));
        long child = pid("child.pid");
        long grandchild = pid("grandchild.pid");
        assertThat(alive(child)).isTrue();
        assertThat(alive(grandchild)).isTrue();

        // contact 2 s ago: within 3 x 1 s, nothing happens
        contact.lastContact(Instant.now().minusSeconds(2));
        assertThat(SelfStop.check(progress, contact, Instant.now())).isFalse();
        assertThat(progress.stopRequested()).isFalse();

        // silence for 4 s: past the heartbeat timeout
        contact.lastContact(Instant.now().minusSeconds(4));
        assertThat(SelfStop.check(progress, contact, Instant.now())).isTrue();

        ProcessResult result = run.get();
        assertThat(result.stopped()).isTrue();
        assertThat(progress.stopReason()).isEqualTo(FailureClass.ORPHANED);
        assertThat(progress.stopDetail()).startsWith("self-stop");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(alive(child)).as("child").isFalse();
            assertThat(alive(grandchild)).as("grandchild").isFalse();
        });
    }

    @Test
    void theTimeoutFollowsTheLeasesHeartbeatInterval() {
        ContactMonitor contact = new ContactMonitor();
        contact.lastContact(Instant.now().minusSeconds(20));
        assertThat(SelfStop.check(attempt(10), contact, Instant.now()))
                .as("20 s < 3 x 10 s")
                .isFalse();
        assertThat(SelfStop.check(attempt(5), contact, Instant.now()))
                .as("20 s >= 3 x 5 s")
                .isTrue();
    }
}
