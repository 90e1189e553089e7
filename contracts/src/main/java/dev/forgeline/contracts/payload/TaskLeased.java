package dev.forgeline.contracts.payload;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * A lease of one task attempt to one node.
 *
 * @param fencingToken      strictly increasing across all leases; anything carrying an older token is stale
 * @param attempt           1 for the first attempt, then 2, 3 ... on retries
 * @param deadline          start-to-close limit of this attempt
 * @param heartbeatInterval seconds between heartbeats the dispatcher expects
 * @param agentProfile      the profile to run this attempt with (a retry may get a larger-context one); null = worker default
 * @param previous          the attempt before this one, on a retry; null on the first attempt
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TaskLeased(
        UUID leaseId,
        String nodeName,
        long fencingToken,
        int attempt,
        Instant leasedAt,
        Instant deadline,
        int heartbeatInterval,
        TaskReady task,
        String agentProfile,
        PreviousAttempt previous) {

    @JsonCreator
    public TaskLeased {}

    /** A lease that runs the task's own agent profile with no earlier attempt to learn from. */
    public TaskLeased(
            UUID leaseId,
            String nodeName,
            long fencingToken,
            int attempt,
            Instant leasedAt,
            Instant deadline,
            int heartbeatInterval,
            TaskReady task) {
        this(
                leaseId,
                nodeName,
                fencingToken,
                attempt,
                leasedAt,
                deadline,
                heartbeatInterval,
                task,
                task == null ? null : task.agentProfile(),
                null);
    }
}
