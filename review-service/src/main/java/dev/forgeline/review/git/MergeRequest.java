package dev.forgeline.review.git;

/** Merge {@code commit} (the head of {@code branch}) into {@code baseBranch} of {@code repository}. */
public record MergeRequest(
        String repository,
        String baseBranch,
        String branch,
        String baseCommit,
        String commit,
        String specId,
        String taskId) {}
