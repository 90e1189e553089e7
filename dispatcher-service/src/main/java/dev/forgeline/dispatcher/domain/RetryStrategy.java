package dev.forgeline.dispatcher.domain;

/** What the retry table does with a failure class. */
public enum RetryStrategy {
    /** run again as is (ORPHANED, TIMEOUT, NETWORK, AGENT_ERROR) */
    RETRY,
    /** run again with the failing output as context (TEST_FAILURE) */
    RETRY_WITH_OUTPUT,
    /** run again with the reviewer's comment as context (CHANGES_REQUESTED), or on the new main (MERGE_CONFLICT) */
    RETRY_WITH_REVIEW_COMMENT,
    /** run again on an agent profile with a larger context; none left: fail for good so the planner splits */
    LARGER_CONTEXT,
    /** run again after the backoff (DEPENDENCY_RESOLUTION) */
    BACKOFF,
    /** never retried blindly: fails for good at once, the planner asks a person (AMBIGUOUS_SPEC) */
    HUMAN_DECISION,
    /** never retried (BUDGET_EXCEEDED, CANCELLED) */
    NEVER
}
