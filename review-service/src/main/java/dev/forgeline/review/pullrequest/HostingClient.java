package dev.forgeline.review.pullrequest;

import java.util.List;

/**
 * The calls the pull-request merge mode makes on a repository's hosting service, one implementation per API
 * (GitHub REST v3, GitLab REST v4). Every call may throw {@link HostingException}.
 */
public interface HostingClient {

    /** {@code github} or {@code gitlab}. */
    String kind();

    /**
     * Opens a pull request from {@code head} into {@code base} with {@code labels}; when one is already open
     * from that head (an earlier try whose answer was lost) that one is returned. Idempotent.
     */
    PullRequest open(String head, String base, String title, String body, List<String> labels);

    PullRequest get(int number);

    /** Closes it without merging, saying why in its description. */
    void close(int number, String reason);

    /** The base branch's required checks on {@code headSha}, or every check reported there when none is required. */
    List<CheckResult> checks(String base, String headSha);

    /** Reviews of people other than Forgeline itself, oldest first. */
    List<PullRequestReview> reviews(int number);

    /** Merges it if {@code headSha} is still its head. */
    MergeAttempt merge(int number, String headSha, String title);
}
