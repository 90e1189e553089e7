package dev.forgeline.contracts;

/** The life of a task, from planning to its end on main. */
public enum TaskState {
    PLANNED, NEEDS_DECISION, READY, LEASED, RUNNING, SUCCEEDED, FAILED, IN_REVIEW, MERGED, REJECTED, REVERTED,
    CANCELLED;

    /** States after which nothing more happens to the task without a new request. */
    public boolean isTerminal() {
        return this == MERGED || this == REJECTED || this == REVERTED || this == CANCELLED || this == FAILED;
    }
}
