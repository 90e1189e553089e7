package dev.forgeline.worker.attempt;

/** What a running attempt is doing, as heartbeats report it. */
public enum AttemptPhase {
    /** preparing the worktree and running the agent */
    AGENT,
    /** the worker's own run of the task's test command */
    TESTS,
    /** committing and measuring the diff */
    COMMIT
}
