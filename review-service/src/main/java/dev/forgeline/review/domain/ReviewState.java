package dev.forgeline.review.domain;

/** Where a review stands. */
public enum ReviewState {
    /** The worker's result is stored; the dispatcher has not (yet) accepted its fencing token. */
    AWAITING_ACCEPTANCE,
    /** Triaged above level 0, or the merge did not go through: waits for a person. */
    PENDING,
    MERGED,
    REJECTED
}
