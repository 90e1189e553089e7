package dev.forgeline.review.pullrequest;

/**
 * A pull request (GitHub) or merge request (GitLab) as Forgeline needs it.
 *
 * @param number      the number people see ({@code #12} on GitHub, {@code !12} on GitLab)
 * @param url         its web page
 * @param open        still open
 * @param merged      merged (then {@code mergeCommit} is the commit on the base branch)
 * @param headSha     the current commit of its head branch
 * @param mergeCommit the merge commit on the base branch, once merged
 * @param mergedBy    who merged it, once merged
 */
public record PullRequest(
        int number, String url, boolean open, boolean merged, String headSha, String mergeCommit, String mergedBy) {}
