package dev.forgeline.contracts;

/** What a person was asked to decide; decision lag is reported per kind. */
public enum DecisionKind {
    /** a VAGUE task held before dispatch (planner) */
    SPEC_QUALITY,
    /** an attempt failed with AMBIGUOUS_SPEC and needs the spec clarified (planner) */
    AMBIGUOUS_SPEC,
    /** a task that exhausted its context and must be split (planner, without an LLM) */
    SPLIT,
    /**
     * a task failed permanently while other tasks wait for it (its dependents, or tasks writing its files): retry
     * it, skip it, or cancel it and its dependents (planner)
     */
    BLOCKED_BY_FAILURE,
    /**
     * an agent's follow-up asks for a test command, agent profile, labels or placement requirements of its own:
     * approve them, strip them (the parent's test command, nothing else) or drop the task (planner)
     */
    PROPOSAL_APPROVAL,
    /** a human review at level 1, 2 or 3 (review) */
    REVIEW,
    /** a reviewer asked for changes; the lag runs until the reworked attempt is reviewed again (review) */
    REQUEST_CHANGES
}
