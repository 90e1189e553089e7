package dev.forgeline.contracts;

/**
 * Whether a reported task state may replace the one a consumer stored. States travel on several topics and
 * may arrive late, twice or out of order, so a task only moves forward: a later attempt always wins; within
 * one attempt only a move to a later stage applies (PLANNED = NEEDS_DECISION &lt; READY &lt; LEASED &lt;
 * RUNNING &lt; SUCCEEDED = FAILED &lt; IN_REVIEW &lt; MERGED = REJECTED = REVERTED); a final state
 * ({@link TaskState#isFinal()}) never changes, except MERGED to REVERTED.
 */
public final class TaskProgress {
    private TaskProgress() {}

    /**
     * @param stored the state a consumer holds, or null when it has none yet
     */
    public static boolean applies(TaskState stored, int storedAttempt, TaskState reported, int reportedAttempt) {
        if (stored == null) {
            return true;
        }
        if (stored == TaskState.MERGED && reported == TaskState.REVERTED) {
            return true; // a merge that turned main red is undone: the one move out of a final state
        }
        if (stored.isFinal()) {
            return false;
        }
        if (reportedAttempt != storedAttempt) {
            return reportedAttempt > storedAttempt;
        }
        return stage(reported) > stage(stored);
    }

    static int stage(TaskState state) {
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
