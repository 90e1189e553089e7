package dev.forgeline.review.git;

/**
 * Merge {@code commit} (the head of {@code branch}, pushed by the worker to {@code fetchRef} of the remote) into
 * {@code baseBranch} of {@code repository} (a URL).
 */
public record MergeRequest(
        String repository,
        String baseBranch,
        String branch,
        String fetchRef,
        String baseCommit,
        String commit,
        String specId,
        String taskId) {
    public MergeRequest {
        fetchRef = fetchRef == null || fetchRef.isBlank() ? "refs/heads/" + branch : fetchRef;
    }
}
