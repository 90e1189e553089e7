package dev.forgeline.review.pullrequest;

import java.time.Instant;
import java.util.Optional;

/**
 * A hosting API call that did not succeed: the status it answered (0 when there was no answer) and, for a rate
 * limit, the earliest time the API may be asked again.
 */
public class HostingException extends RuntimeException {
    private final int status;
    private final Instant retryAt;

    public HostingException(int status, String message, Instant retryAt) {
        super(message);
        this.status = status;
        this.retryAt = retryAt;
    }

    public int status() {
        return status;
    }

    /** Set when the API asked to be left alone until then (a rate limit). */
    public Optional<Instant> retryAt() {
        return Optional.ofNullable(retryAt);
    }

    /** Worth asking again later: a rate limit, a server error, a timeout or no answer at all. */
    public boolean transientFailure() {
        return retryAt != null || status == 0 || status >= 500 || status == 408;
    }
}
