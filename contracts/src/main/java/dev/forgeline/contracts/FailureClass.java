package dev.forgeline.contracts;

/**
 * Why an attempt failed; each class has its own retry strategy. CHANGES_REQUESTED is not a failure of the agent
 * but a reviewer sending the work back: it is retried with the reviewer's comment as context.
 */
public enum FailureClass {
    ORPHANED,
    TIMEOUT,
    DEPENDENCY_RESOLUTION,
    TEST_FAILURE,
    NETWORK,
    CONTEXT_EXHAUSTED,
    AMBIGUOUS_SPEC,
    AGENT_ERROR,
    MERGE_CONFLICT,
    BUDGET_EXCEEDED,
    CANCELLED,
    CHANGES_REQUESTED
}
