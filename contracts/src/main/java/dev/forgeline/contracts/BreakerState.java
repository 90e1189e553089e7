package dev.forgeline.contracts;

/** A circuit breaker's state; metrics export it as 0, 1, 2 in this order. */
public enum BreakerState {
    CLOSED,
    HALF_OPEN,
    OPEN
}
