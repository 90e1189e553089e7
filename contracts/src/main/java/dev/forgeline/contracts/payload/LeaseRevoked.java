package dev.forgeline.contracts.payload;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.forgeline.contracts.FailureClass;

/**
 * dispatcher -> worker: stop the attempt of this lease now and kill its process tree. Travels on the leases topic,
 * keyed by node name. The worker acknowledges with a TASK_RESULT of failure class {@code reason} carrying the
 * same fencing token; a revocation whose token is not the worker's current one for the task changes nothing.
 *
 * @param reason CANCELLED, TIMEOUT or ORPHANED
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LeaseRevoked(
        UUID leaseId,
        String nodeName,
        String specId,
        String taskId,
        long fencingToken,
        int attempt,
        FailureClass reason,
        String detail,
        Instant revokedAt) {}
