package dev.forgeline.review.domain;

/** Where a review stands. */
public enum ReviewState {
    /** The worker's result is stored; the dispatcher has not (yet) accepted its fencing token. */
    AWAITING_ACCEPTANCE,
    /** Triaged above level 0, or the merge could not run (e.g. uncommitted changes in main's checkout): waits for a person. */
    PENDING,
    /**
     * Merge mode pull-request: approved (or level 0), its pull request waits for the repository's required checks
     * and is merged through the hosting API once they are green.
     */
    CHECKS_PENDING,
    MERGED,
    REJECTED,
    /** The merge conflicted with the current base branch: the dispatcher runs the task again on the new main. */
    FAILED,
    /** A reviewer sent the attempt back with a comment: the dispatcher runs the task again with it. */
    CHANGES_REQUESTED,
    /** Merged, then undone by a revert commit (main turned red, or a person reverted it). */
    REVERTED;

    /** Waits for a person. */
    public boolean pending() {
        return this == PENDING;
    }

    /** Its pull request is open and looked at by the pull-request sync. */
    public boolean inPullRequest() {
        return this == PENDING || this == CHECKS_PENDING;
    }
}
