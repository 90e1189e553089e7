package dev.forgeline.dispatcher.model;

import java.time.Instant;
import java.util.UUID;

import dev.forgeline.contracts.BreakerState;

/**
 * A circuit breaker.
 *
 * @param scope        PROFILE, NODE or GLOBAL
 * @param key          the agent profile, node name, or "fleet"
 * @param halfOpensAt  for an OPEN breaker, when the probe may go
 * @param probeLeaseId for a HALF_OPEN breaker, the probe lease once granted
 */
public record BreakerView(
        String scope,
        String key,
        BreakerState state,
        int failures,
        int attempts,
        String reason,
        Instant changedAt,
        Instant halfOpensAt,
        UUID probeLeaseId) {}
