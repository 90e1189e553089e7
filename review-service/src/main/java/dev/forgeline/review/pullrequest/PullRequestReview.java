package dev.forgeline.review.pullrequest;

import java.time.Instant;
import java.util.List;

/**
 * A person's review of a pull request.
 *
 * @param reviewer    the reviewer's login
 * @param verdict     what the review decided
 * @param body        the review's own text
 * @param comments    its comments on lines of the diff, as {@code path:line: text}
 * @param submittedAt when it was submitted
 */
public record PullRequestReview(
        String reviewer, Verdict verdict, String body, List<String> comments, Instant submittedAt) {
    public enum Verdict {
        APPROVED,
        CHANGES_REQUESTED,
        COMMENTED
    }
}
