package dev.forgeline.review.domain;

/** The repository's verify command on main after a merge. */
public enum VerifyState {
    /** merged; verify has not run yet (the merge queue runs it) */
    PENDING,
    PASSED,
    /** verify failed: the merge was reverted */
    FAILED,
    /** the repository configures no verify command */
    SKIPPED
}
