package dev.forgeline.worker.lease;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskReady;
import org.junit.jupiter.api.Test;

class LeaseFenceTest {
    private final LeaseFence fence = new LeaseFence();
    private final Instant now = Instant.now();

    private TaskLeased lease(String taskId, String node, long token, Instant deadline) {
        TaskReady task = new TaskReady(
                "spec-1", "Spec", taskId, "Do it", "", List.of(), "true", 60, List.of(), "/repo", "main", 0, Map.of(),
                null);
        return new TaskLeased(UUID.randomUUID(), node, token, 1, now.minusSeconds(5), deadline, 1, task);
    }

    @Test
    void aLeaseNothingIsKnownAgainstIsCurrent() {
        TaskLeased lease = lease("T1", "n1", 10, now.plusSeconds(600));
        fence.leased(lease);
        assertThat(fence.staleReason(lease, now)).isEmpty();
    }

    @Test
    void aLeasePastItsDeadlineIsStale() {
        assertThat(fence.staleReason(lease("T1", "n1", 10, now.minusSeconds(1)), now))
                .get()
                .asString()
                .contains("deadline");
    }

    @Test
    void aLaterLeaseOfTheTaskToAnyNodeMakesAnEarlierOneStale() {
        TaskLeased ours = lease("T1", "n1", 10, now.plusSeconds(600));
        fence.leased(lease("T1", "n2", 11, now.plusSeconds(600)));
        assertThat(fence.staleReason(ours, now))
                .get()
                .asString()
                .contains("later lease")
                .contains("11");
        assertThat(fence.staleReason(lease("T2", "n1", 5, now.plusSeconds(600)), now))
                .as("another task")
                .isEmpty();
    }

    @Test
    void aRevokedOrAbandonedTokenEndsThatLeaseAndEarlierOnesButNotLaterOnes() {
        fence.ended("spec-1", "T1", 10);
        assertThat(fence.staleReason(lease("T1", "n1", 10, now.plusSeconds(600)), now))
                .get()
                .asString()
                .contains("revoked or abandoned");
        assertThat(fence.staleReason(lease("T1", "n1", 9, now.plusSeconds(600)), now))
                .isPresent();
        assertThat(fence.staleReason(lease("T1", "n1", 12, now.plusSeconds(600)), now))
                .isEmpty();
    }
}
