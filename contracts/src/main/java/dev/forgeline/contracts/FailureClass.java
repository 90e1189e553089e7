package dev.forgeline.contracts;

/** Why an attempt failed; each class has its own retry strategy. */
public enum FailureClass {
    ORPHANED, TIMEOUT, DEPENDENCY_RESOLUTION, TEST_FAILURE, NETWORK, CONTEXT_EXHAUSTED, AMBIGUOUS_SPEC, AGENT_ERROR,
    MERGE_CONFLICT, BUDGET_EXCEEDED, CANCELLED
}
