package dev.forgeline.dispatcher.breaker;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

import dev.forgeline.contracts.BreakerState;
import dev.forgeline.contracts.FailureClass;

/**
 * The breaker state machine, pure. CLOSED opens when the window holds at least {@code minAttempts} attempts and
 * at least {@code failureRatio} of them failed. OPEN turns HALF_OPEN after the cool-down (one probe lease may
 * go). HALF_OPEN closes on a successful attempt and opens again on a failed one.
 *
 * <p>Who a failure blames: a node breaker counts only failures that point at the node (network, lost heartbeats,
 * dependency resolution, and agent crashes or hangs), a profile breaker only those that point at the profile (agent
 * crashes or hangs), and neither counts failures that point at the task itself (tests the agent cannot pass, context
 * exhausted or a prompt too long, an ambiguous spec, review verdicts, budget, cancellation). The windows count a
 * failure once per task, so crashes blame a node or profile only when they happen across different tasks.
 */
public final class BreakerRules {
    /** Failure classes that point at the node the attempt ran on. */
    static final Set<FailureClass> NODE_FAILURES = EnumSet.of(
            FailureClass.ORPHANED,
            FailureClass.NETWORK,
            FailureClass.DEPENDENCY_RESOLUTION,
            FailureClass.AGENT_ERROR,
            FailureClass.TIMEOUT);

    /** Failure classes that point at the agent profile the attempt ran. */
    static final Set<FailureClass> PROFILE_FAILURES = EnumSet.of(FailureClass.AGENT_ERROR, FailureClass.TIMEOUT);

    /** For a node breaker: true when the failure blames the node, null when it says nothing about it. */
    public static Boolean blamesNode(FailureClass failureClass) {
        return NODE_FAILURES.contains(failureClass) ? Boolean.TRUE : null;
    }

    /** For a profile breaker: true when the failure blames the profile, null when it says nothing about it. */
    public static Boolean blamesProfile(FailureClass failureClass) {
        return PROFILE_FAILURES.contains(failureClass) ? Boolean.TRUE : null;
    }

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
