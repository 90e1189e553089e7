package dev.forgeline.contracts;

/** Commands the planner sends the dispatcher about tasks it owns. */
public enum TaskCommandKind {
    /** the task was removed from the spec (or the spec cancelled): stop it wherever it is */
    CANCEL,
    /** the task's text changed in a new revision: stop the running attempt; a TASK_READY of the new revision follows */
    SUPERSEDE
}
