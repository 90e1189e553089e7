package dev.forgeline.planner.service;

import dev.forgeline.contracts.TaskState;

/**
 * Decides whether a reported state may replace the stored one. Lifecycle events and review outcomes travel on
 * different topics and may arrive late or twice, so the planner only moves a task forward: a later attempt
 * always wins; within the same attempt only a move to a later stage
 * (READY &lt; LEASED &lt; RUNNING &lt; SUCCEEDED = FAILED &lt; IN_REVIEW &lt; MERGED = REJECTED = REVERTED)
 * applies; a task that is MERGED, REJECTED, REVERTED or CANCELLED never changes again.
 */
public final class TaskStateOrder {
    private TaskStateOrder() {
    }

    public static boolean applies(TaskState current, int currentAttempt, TaskState reported, int reportedAttempt) {
        if (isFinal(current)) {
            return false;
        }
        if (reportedAttempt != currentAttempt) {
            return reportedAttempt > currentAttempt;
        }
        return rank(reported) > rank(current);
    }

    public static boolean isFinal(TaskState state) {
        return state == TaskState.MERGED || state == TaskState.REJECTED || state == TaskState.REVERTED
                || state == TaskState.CANCELLED;
    }

    static int rank(TaskState state) {
        return switch (state) {
            case PLANNED -> 0;
            case READY -> 1;
            case LEASED -> 2;
            case RUNNING -> 3;
            // an attempt's outcome; NEEDS_DECISION is one that waits for a person
            case SUCCEEDED, FAILED, NEEDS_DECISION -> 4;
            case IN_REVIEW -> 5;
            case MERGED, REJECTED, REVERTED -> 6;
            case CANCELLED -> 7;
        };
    }
}
