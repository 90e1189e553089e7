package dev.forgeline.dispatcher.model;

import java.time.Instant;
import java.util.UUID;

import dev.forgeline.contracts.FailureClass;

/**
 * One finished attempt of a task and what the dispatcher decided about it.
 *
 * @param outcome  SUCCEEDED, FAILED, ORPHANED, TIMEOUT, CANCELLED, or REVIEW (sent back by the review service)
 * @param decision RETRY, PERMANENT (failed for good) or NONE (succeeded, cancelled)
 */
public record AttemptView(
        int attempt,
        UUID leaseId,
        String nodeName,
        String agentProfile,
        Long fencingToken,
        String outcome,
        FailureClass failureClass,
        String detail,
        String decision,
        String nextProfile,
        Instant retryAt,
        Instant endedAt) {}
