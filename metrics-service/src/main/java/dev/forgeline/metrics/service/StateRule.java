package dev.forgeline.metrics.service;

import dev.forgeline.contracts.TaskState;
import java.util.EnumSet;
import java.util.Set;

/**
 * Whether a state event may replace the stored state. Events arrive late and out of order across four
 * independent topics, so the state only moves forward: a later attempt wins; within one attempt only a move to
 * a higher rank applies (READY < LEASED < RUNNING < SUCCEEDED = FAILED < IN_REVIEW < MERGED = REJECTED =
 * REVERTED); nothing leaves MERGED, REJECTED, REVERTED or CANCELLED.
 */
public final class StateRule {
    private static final Set<TaskState> FINAL = EnumSet.of(TaskState.MERGED, TaskState.REJECTED, TaskState.REVERTED,
            TaskState.CANCELLED);

    private StateRule() {
    }

    public static boolean applies(TaskState stored, int storedAttempt, TaskState incoming, int incomingAttempt) {
        if (stored == null) {
            return true;
        }
        if (FINAL.contains(stored)) {
            return false;
        }
        if (incomingAttempt != storedAttempt) {
            return incomingAttempt > storedAttempt;
        }
        return rank(incoming) > rank(stored);
    }

    static int rank(TaskState state) {
        return switch (state) {
            case PLANNED, NEEDS_DECISION -> 0;
            case READY -> 1;
            case LEASED -> 2;
            case RUNNING -> 3;
            case SUCCEEDED, FAILED -> 4;
            case IN_REVIEW -> 5;
            case MERGED, REJECTED, REVERTED, CANCELLED -> 6;
        };
    }
}
