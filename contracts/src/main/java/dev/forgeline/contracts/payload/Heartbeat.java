package dev.forgeline.contracts.payload;

import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Liveness and progress of a running attempt.
 *
 * @param phase          what the worker is doing: AGENT, TESTS, COMMIT
 * @param lastOutputLine the last line the agent or tests printed (secrets masked)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Heartbeat(
        String nodeName,
        String taskId,
        UUID leaseId,
        long fencingToken,
        int attempt,
        long elapsedMillis,
        String phase,
        String lastOutputLine,
        long tokensSoFar) {}
