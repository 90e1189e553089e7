package dev.forgeline.dispatcher.domain;

import dev.forgeline.contracts.FailureClass;

/** How a lease ended. */
public enum LeaseOutcome {
    SUCCEEDED,
    FAILED,
    ORPHANED,
    TIMEOUT,
    CANCELLED;

    /** The failure class an expired lease gives its task. */
    public FailureClass failureClass() {
        return switch (this) {
            case ORPHANED -> FailureClass.ORPHANED;
            case TIMEOUT -> FailureClass.TIMEOUT;
            default -> throw new IllegalStateException(this + " is not an expiry");
        };
    }
}
