package dev.forgeline.contracts;

/** Where a proposed follow-up task comes from. */
public enum ProposalOrigin {
    /** an agent wrote it to the follow-up file in its worktree */
    AGENT,
    /** a reviewer requested changes that belong in a task of their own */
    REVIEW,
    /** a merge turned main red and was reverted: fix what broke */
    REVERT_FIX,
    /** a task failed permanently with CONTEXT_EXHAUSTED: split it */
    SPLIT
}
