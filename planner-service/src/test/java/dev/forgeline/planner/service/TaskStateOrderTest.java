package dev.forgeline.planner.service;

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

import org.junit.jupiter.api.Test;

class TaskStateOrderTest {

    @Test
    void sameAttemptOnlyMovesForward() {
        assertThat(TaskStateOrder.applies(READY, 1, LEASED, 1)).isTrue();
        assertThat(TaskStateOrder.applies(LEASED, 1, RUNNING, 1)).isTrue();
        assertThat(TaskStateOrder.applies(RUNNING, 1, LEASED, 1)).isFalse();
        assertThat(TaskStateOrder.applies(RUNNING, 1, RUNNING, 1)).isFalse();
        assertThat(TaskStateOrder.applies(SUCCEEDED, 1, FAILED, 1)).isFalse();
        assertThat(TaskStateOrder.applies(FAILED, 1, SUCCEEDED, 1)).isFalse();
        assertThat(TaskStateOrder.applies(SUCCEEDED, 1, IN_REVIEW, 1)).isTrue();
        assertThat(TaskStateOrder.applies(IN_REVIEW, 1, SUCCEEDED, 1)).isFalse();
        assertThat(TaskStateOrder.applies(IN_REVIEW, 1, MERGED, 1)).isTrue();
    }

    @Test
    void aLaterAttemptAlwaysAppliesAndAnEarlierOneNever() {
        assertThat(TaskStateOrder.applies(FAILED, 1, READY, 2)).isTrue();
        assertThat(TaskStateOrder.applies(IN_REVIEW, 1, LEASED, 2)).isTrue();
        assertThat(TaskStateOrder.applies(READY, 2, SUCCEEDED, 1)).isFalse();
    }

    @Test
    void finalStatesNeverChange() {
        for (var state : new dev.forgeline.contracts.TaskState[] {MERGED, REJECTED, REVERTED, CANCELLED}) {
            assertThat(TaskStateOrder.applies(state, 1, READY, 2)).as(state.name()).isFalse();
            assertThat(TaskStateOrder.applies(state, 1, REVERTED, 1)).as(state.name()).isFalse();
        }
    }
}
