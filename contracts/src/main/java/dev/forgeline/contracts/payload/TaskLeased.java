package dev.forgeline.contracts.payload;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;
import java.util.UUID;

/**
 * A lease of one task attempt to one node.
 *
 * @param fencingToken      strictly increasing across all leases; anything carrying an older token is stale
 * @param attempt           1 for the first attempt, then 2, 3 ... on retries
 * @param deadline          start-to-close limit of this attempt
 * @param heartbeatInterval seconds between heartbeats the dispatcher expects
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
        TaskReady task) {
}
