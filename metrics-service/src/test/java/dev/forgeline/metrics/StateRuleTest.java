package dev.forgeline.metrics;

import static dev.forgeline.contracts.TaskState.CANCELLED;
import static dev.forgeline.contracts.TaskState.FAILED;
import static dev.forgeline.contracts.TaskState.IN_REVIEW;
import static dev.forgeline.contracts.TaskState.LEASED;
import static dev.forgeline.contracts.TaskState.MERGED;
import static dev.forgeline.contracts.TaskState.READY;
import static dev.forgeline.contracts.TaskState.REJECTED;
import static dev.forgeline.contracts.TaskState.REVERTED;
import static dev.forgeline.contracts.TaskState.RUNNING;
import static dev.forgeline.contracts.TaskState.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeline.metrics.service.StateRule;
import org.junit.jupiter.api.Test;

class StateRuleTest {

    @Test
    void theFirstStateAlwaysApplies() {
        assertThat(StateRule.applies(null, 0, RUNNING, 1)).isTrue();
        assertThat(StateRule.applies(null, 0, READY, 0)).isTrue();
    }

    @Test
    void withinAnAttemptOnlyForwardMovesApply() {
        assertThat(StateRule.applies(READY, 0, LEASED, 0)).isTrue();
        assertThat(StateRule.applies(LEASED, 1, RUNNING, 1)).isTrue();
        assertThat(StateRule.applies(RUNNING, 1, SUCCEEDED, 1)).isTrue();
        assertThat(StateRule.applies(SUCCEEDED, 1, IN_REVIEW, 1)).isTrue();
        assertThat(StateRule.applies(IN_REVIEW, 1, MERGED, 1)).isTrue();

        assertThat(StateRule.applies(SUCCEEDED, 1, RUNNING, 1)).isFalse();
        assertThat(StateRule.applies(RUNNING, 1, LEASED, 1)).isFalse();
        assertThat(StateRule.applies(SUCCEEDED, 1, FAILED, 1)).as("same rank").isFalse();
        assertThat(StateRule.applies(FAILED, 1, SUCCEEDED, 1)).as("same rank").isFalse();
        assertThat(StateRule.applies(IN_REVIEW, 1, SUCCEEDED, 1)).isFalse();
    }

    @Test
    void aLaterAttemptWinsAndAnEarlierOneNever() {
        assertThat(StateRule.applies(FAILED, 1, LEASED, 2)).isTrue();
        assertThat(StateRule.applies(IN_REVIEW, 1, READY, 2)).isTrue();
        assertThat(StateRule.applies(LEASED, 2, SUCCEEDED, 1)).isFalse();
    }

    @Test
    void nothingLeavesAFinalState() {
        for (var end : new dev.forgeline.contracts.TaskState[] {MERGED, REJECTED, REVERTED, CANCELLED}) {
            assertThat(StateRule.applies(end, 1, LEASED, 2)).as("%s then a new attempt", end).isFalse();
            assertThat(StateRule.applies(end, 1, REVERTED, 1)).as("%s then REVERTED", end).isFalse();
            assertThat(StateRule.applies(end, 1, CANCELLED, 1)).as("%s then CANCELLED", end).isFalse();
        }
        assertThat(StateRule.applies(RUNNING, 1, CANCELLED, 1)).isTrue();
    }
}
