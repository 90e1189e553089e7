package dev.forgeline.dispatcher.service;

import java.time.Duration;
import java.time.Instant;

import dev.forgeline.contracts.BreakerState;

/**
 * The breaker state machine, pure. CLOSED opens when the window holds at least {@code minAttempts} attempts and
 * at least {@code failureRatio} of them failed. OPEN turns HALF_OPEN after the cool-down (one probe lease may
 * go). HALF_OPEN closes on a successful attempt and opens again on a failed one.
 */
public final class BreakerRules {
    /** A change to make, or null for none. */
    public record Transition(BreakerState to, String reason) {}

    private BreakerRules() {}

    /**
     * @param state     current state (CLOSED when the breaker has no row)
     * @param changedAt when it entered that state
     * @param attempts  breaker-relevant attempts in the window after the breaker's mark
     * @param failures  failed ones among them
     * @param successes succeeded ones among them
     */
    public static Transition next(
            BreakerState state,
            Instant changedAt,
            int attempts,
            int failures,
            int successes,
            double failureRatio,
            int minAttempts,
            Duration coolDown,
            Instant now) {
        switch (state) {
            case CLOSED -> {
                if (attempts >= minAttempts && attempts > 0 && failures >= failureRatio * attempts) {
                    return new Transition(
                            BreakerState.OPEN,
                            failures + " of the last " + attempts
                                    + " attempts failed (threshold " + Math.round(failureRatio * 100) + "% of at least "
                                    + minAttempts + ")");
                }
                return null;
            }
            case OPEN -> {
                if (!now.isBefore(changedAt.plus(coolDown))) {
                    return new Transition(
                            BreakerState.HALF_OPEN,
                            "cool-down of " + coolDown.toMillis() + " ms over: one probe attempt may run");
                }
                return null;
            }
            case HALF_OPEN -> {
                if (failures > 0) {
                    return new Transition(BreakerState.OPEN, "the probe attempt failed");
                }
                if (successes > 0) {
                    return new Transition(BreakerState.CLOSED, "the probe attempt succeeded");
                }
                return null;
            }
            default -> throw new IllegalStateException("unknown breaker state " + state);
        }
    }
}
