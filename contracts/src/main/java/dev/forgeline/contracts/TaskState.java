package dev.forgeline.contracts;

/** The life of a task, from planning to its end on main. */
public enum TaskState {
    PLANNED,
    NEEDS_DECISION,
    READY,
    LEASED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    IN_REVIEW,
    MERGED,
    REJECTED,
    REVERTED,
    CANCELLED;

    /** States nothing moves a task out of (a FAILED attempt may still be retried). */
    public boolean isFinal() {
        return this == MERGED || this == REJECTED || this == REVERTED || this == CANCELLED;
    }
}
