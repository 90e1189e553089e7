package dev.forgeline.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.forgeline.contracts.BreakerState;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.dispatcher.breaker.BreakerRules;
import org.junit.jupiter.api.Test;

/** The breaker state machine, including the fleet-wide (global) thresholds. */
class BreakerRulesTest {
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private static final Duration COOL_DOWN = Duration.ofSeconds(30);

    @Test
    void failuresBlameTheNodeTheProfileOrNeither() {
        // the node: network, lost heartbeats, dependency resolution, agent crashes and hangs
        for (FailureClass c : List.of(
                FailureClass.ORPHANED,
                FailureClass.NETWORK,
                FailureClass.DEPENDENCY_RESOLUTION,
                FailureClass.AGENT_ERROR,
                FailureClass.TIMEOUT)) {
            assertThat(BreakerRules.blamesNode(c)).as(c.name()).isTrue();
        }
        assertThat(BreakerRules.blamesProfile(FailureClass.AGENT_ERROR)).isTrue();
        assertThat(BreakerRules.blamesProfile(FailureClass.NETWORK)).isNull();
        assertThat(BreakerRules.blamesProfile(FailureClass.ORPHANED)).isNull();
        // the task: neither breaker counts them
        for (FailureClass c : List.of(
                FailureClass.TEST_FAILURE,
                FailureClass.CONTEXT_EXHAUSTED,
                FailureClass.AMBIGUOUS_SPEC,
                FailureClass.MERGE_CONFLICT,
                FailureClass.CHANGES_REQUESTED,
                FailureClass.BUDGET_EXCEEDED,
                FailureClass.CANCELLED)) {
            assertThat(BreakerRules.blamesNode(c)).as(c.name()).isNull();
            assertThat(BreakerRules.blamesProfile(c)).as(c.name()).isNull();
        }
    }

    @Test
    void closedOpensAtHalfOfAtLeastTwentyAttempts() {
        assertThat(BreakerRules.next(BreakerState.CLOSED, NOW, 19, 19, 0, 0.5, 20, COOL_DOWN, NOW))
                .isNull();
        assertThat(BreakerRules.next(BreakerState.CLOSED, NOW, 20, 9, 11, 0.5, 20, COOL_DOWN, NOW))
                .isNull();
        BreakerRules.Transition open = BreakerRules.next(BreakerState.CLOSED, NOW, 20, 10, 10, 0.5, 20, COOL_DOWN, NOW);
        assertThat(open.to()).isEqualTo(BreakerState.OPEN);
        assertThat(open.reason()).contains("10 of the last 20");
    }

    @Test
    void openHalfOpensAfterTheCoolDownOnly() {
        assertThat(BreakerRules.next(BreakerState.OPEN, NOW, 20, 20, 0, 0.5, 20, COOL_DOWN, NOW.plusSeconds(29)))
                .isNull();
        assertThat(BreakerRules.next(BreakerState.OPEN, NOW, 20, 20, 0, 0.5, 20, COOL_DOWN, NOW.plusSeconds(30))
                        .to())
                .isEqualTo(BreakerState.HALF_OPEN);
    }

    @Test
    void halfOpenClosesOnASuccessAndOpensOnAFailure() {
        assertThat(BreakerRules.next(BreakerState.HALF_OPEN, NOW, 0, 0, 0, 0.5, 20, COOL_DOWN, NOW))
                .isNull();
        assertThat(BreakerRules.next(BreakerState.HALF_OPEN, NOW, 1, 0, 1, 0.5, 20, COOL_DOWN, NOW)
                        .to())
                .isEqualTo(BreakerState.CLOSED);
        assertThat(BreakerRules.next(BreakerState.HALF_OPEN, NOW, 1, 1, 0, 0.5, 20, COOL_DOWN, NOW)
                        .to())
                .isEqualTo(BreakerState.OPEN);
    }

    @Test
    void globalBreakerUsesItsOwnThresholds() {
        // fleet: 80% of at least 50
        assertThat(BreakerRules.next(BreakerState.CLOSED, NOW, 50, 39, 11, 0.8, 50, COOL_DOWN, NOW))
                .isNull();
        assertThat(BreakerRules.next(BreakerState.CLOSED, NOW, 49, 49, 0, 0.8, 50, COOL_DOWN, NOW))
                .isNull();
        assertThat(BreakerRules.next(BreakerState.CLOSED, NOW, 50, 40, 10, 0.8, 50, COOL_DOWN, NOW)
                        .to())
                .isEqualTo(BreakerState.OPEN);
    }
}
