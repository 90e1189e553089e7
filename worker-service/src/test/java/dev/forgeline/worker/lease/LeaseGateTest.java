package dev.forgeline.worker.lease;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskReady;
import org.junit.jupiter.api.Test;

/** What a restarted worker does with the leases it replays: nothing runs before the replay is read. */
class LeaseGateTest {
    private final Instant now = Instant.now();
    private final LeaseFence fence = new LeaseFence();
    private final List<TaskLeased> started = new ArrayList<>();
    private final LeaseGate gate = new LeaseGate(fence, (lease, envelope) -> started.add(lease));

    private TaskLeased lease(String taskId, long token) {
        TaskReady task = new TaskReady(
                "spec-1", "Spec", taskId, "Do it", "", List.of(), "true", 60, List.of(), "/repo", "main", 0, Map.of(),
                null);
        TaskLeased lease =
                new TaskLeased(UUID.randomUUID(), "node", token, 1, now.minusSeconds(5), now.plusSeconds(600), 1, task);
        fence.leased(lease);
        return lease;
    }

    @Test
    void aReplayedLeaseRevokedFurtherOnInTheReplayNeverStartsAndTheOthersStartOnceTheReplayIsRead() {
        TaskLeased orphaned = lease("T1", 10);
        TaskLeased current = lease("T2", 11);
        TaskLeased superseded = lease("T3", 12);
        gate.offer(orphaned, null, now);
        gate.offer(current, null, now);
        gate.offer(superseded, null, now);
        // further on in the replay: the dispatcher orphaned T1's lease, and leased T3 again to another node
        fence.ended("spec-1", "T1", 10);
        lease("T3", 13);

        gate.recovered();
        assertThat(started).as("the replay is not read yet").isEmpty();
        gate.caughtUp();

        assertThat(started).containsExactly(current);
        assertThat(gate.open()).isTrue();
        TaskLeased live = lease("T4", 14);
        gate.offer(live, null, now);
        assertThat(started).containsExactly(current, live);
    }

    @Test
    void nothingStartsBeforeThePreviousRunsAttemptsAreCleanedUpEvenWhenTheReplayIsRead() {
        gate.offer(lease("T1", 10), null, now);
        gate.caughtUp();
        assertThat(started).isEmpty();
        gate.recovered();
        assertThat(started).hasSize(1);
    }

    @Test
    void leasesHeldTooLongWithoutTheEndOfTheReplayBeingSeenRunAnyway() {
        gate.offer(lease("T1", 10), null, now);
        gate.recovered();
        gate.releaseIfHeldLongerThan(Duration.ofSeconds(60), now.plusSeconds(30));
        assertThat(started).isEmpty();
        gate.releaseIfHeldLongerThan(Duration.ofSeconds(60), now.plusSeconds(61));
        assertThat(started).hasSize(1);
    }
}
