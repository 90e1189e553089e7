package dev.forgeline.contracts;

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

class TaskProgressTest {

    @Test
    void sameAttemptOnlyMovesForward() {
        assertThat(TaskProgress.applies(READY, 1, LEASED, 1)).isTrue();
        assertThat(TaskProgress.applies(LEASED, 1, RUNNING, 1)).isTrue();
        assertThat(TaskProgress.applies(RUNNING, 1, LEASED, 1)).isFalse();
        assertThat(TaskProgress.applies(RUNNING, 1, RUNNING, 1)).isFalse();
        assertThat(TaskProgress.applies(SUCCEEDED, 1, FAILED, 1)).isFalse();
        assertThat(TaskProgress.applies(FAILED, 1, SUCCEEDED, 1)).isFalse();
        assertThat(TaskProgress.applies(SUCCEEDED, 1, IN_REVIEW, 1)).isTrue();
        assertThat(TaskProgress.applies(IN_REVIEW, 1, SUCCEEDED, 1)).isFalse();
        assertThat(TaskProgress.applies(IN_REVIEW, 1, MERGED, 1)).isTrue();
    }

    @Test
    void aFirstReportAlwaysApplies() {
        assertThat(TaskProgress.applies(null, 0, RUNNING, 1)).isTrue();
        assertThat(TaskProgress.applies(null, 0, READY, 0)).isTrue();
    }

    @Test
    void aRunningTaskCanBeCancelledButNotAfterItsEnd() {
        assertThat(TaskProgress.applies(RUNNING, 1, CANCELLED, 1)).isTrue();
        assertThat(TaskProgress.applies(MERGED, 1, CANCELLED, 1)).isFalse();
    }

    @Test
    void aLaterAttemptAlwaysAppliesAndAnEarlierOneNever() {
        assertThat(TaskProgress.applies(FAILED, 1, READY, 2)).isTrue();
        assertThat(TaskProgress.applies(IN_REVIEW, 1, LEASED, 2)).isTrue();
        assertThat(TaskProgress.applies(READY, 2, SUCCEEDED, 1)).isFalse();
    }

    @Test
    void finalStatesNeverChange() {
        for (var state : new TaskState[] {MERGED, REJECTED, REVERTED, CANCELLED}) {
            assertThat(TaskProgress.applies(state, 1, READY, 2))
                    .as(state.name())
                    .isFalse();
            assertThat(TaskProgress.applies(state, 1, CANCELLED, 1))
                    .as(state.name())
                    .isFalse();
        }
        for (var state : new TaskState[] {REJECTED, REVERTED, CANCELLED}) {
            assertThat(TaskProgress.applies(state, 1, REVERTED, 1))
                    .as(state.name())
                    .isFalse();
        }
    }

    @Test
    void aMergeThatTurnedMainRedIsRevertedEvenInALaterDelivery() {
        assertThat(TaskProgress.applies(MERGED, 1, REVERTED, 1)).isTrue();
        assertThat(TaskProgress.applies(MERGED, 2, REVERTED, 2)).isTrue();
    }
}
