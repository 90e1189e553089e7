package dev.forgeline.review.pullrequest;

/** How a merge through the hosting API ended. */
public sealed interface MergeAttempt {
    /** Merged: {@code mergeCommit} is on the base branch. */
    record Merged(String mergeCommit) implements MergeAttempt {}

    /** The head conflicts with the base branch: the task must run again on the new base. */
    record Conflict(String reason) implements MergeAttempt {}

    /** Not mergeable now (a check or review missing, head behind, base moved): asked again at the next sync. */
    record NotYet(String reason) implements MergeAttempt {}
}
