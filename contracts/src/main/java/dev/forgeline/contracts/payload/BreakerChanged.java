package dev.forgeline.contracts.payload;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.forgeline.contracts.BreakerState;

/**
 * dispatcher -> metrics, operators: a circuit breaker changed state. Key: scope/key.
 *
 * @param scope    PROFILE, NODE or GLOBAL
 * @param key      the agent profile or node name; "fleet" for GLOBAL
 * @param failures failed attempts in the window that decided
 * @param attempts attempts in that window
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BreakerChanged(
        String scope,
        String key,
        BreakerState from,
        BreakerState to,
        int failures,
        int attempts,
        String reason,
        Instant at) {}
