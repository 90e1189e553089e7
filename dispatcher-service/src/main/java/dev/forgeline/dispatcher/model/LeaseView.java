package dev.forgeline.dispatcher.model;

import dev.forgeline.dispatcher.domain.LeaseOutcome;
import java.time.Instant;
import java.util.UUID;

/** One attempt of a task; endedAt and outcome are null while the lease is open. */
public record LeaseView(UUID leaseId, long fencingToken, String nodeName, int attempt, Instant leasedAt,
        Instant deadline, Instant lastHeartbeatAt, Instant endedAt, LeaseOutcome outcome, String agentProfile) {
}
