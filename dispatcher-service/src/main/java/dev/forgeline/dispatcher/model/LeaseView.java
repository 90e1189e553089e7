package dev.forgeline.dispatcher.model;

import java.time.Instant;
import java.util.UUID;

import dev.forgeline.dispatcher.domain.LeaseOutcome;

/** One attempt of a task; endedAt and outcome are null while the lease is open. */
public record LeaseView(
        UUID leaseId,
        long fencingToken,
        String nodeName,
        int attempt,
        Instant leasedAt,
        Instant deadline,
        Instant lastHeartbeatAt,
        Instant endedAt,
        LeaseOutcome outcome,
        String agentProfile) {}
