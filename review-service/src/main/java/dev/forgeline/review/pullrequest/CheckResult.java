package dev.forgeline.review.pullrequest;

/**
 * One required check on a pull request's head commit: a commit status or a check run of that name.
 *
 * @param name   the context (status) or name (check run)
 * @param state  where it stands
 * @param detail what the check said (description, conclusion, output summary and text), for the retry context
 * @param url    its details page, when it has one
 */
public record CheckResult(String name, State state, String detail, String url) {
    public enum State {
        SUCCESS,
        PENDING,
        /** Required but not reported on the head commit yet. */
        EXPECTED,
        FAILURE
    }
}
