package dev.forgeline.dispatcher.model;

/**
 * One reason a READY task is not leased, for machines and people.
 *
 * @param code    PAUSED, BUDGET_HOLD, REVIEW_HOLD, BREAKER_OPEN, BACKOFF, NO_MATCHING_NODE, NODES_FULL or QUEUED
 *                (nothing else holds it and a matching node has a free slot: the next dispatch round takes it, in
 *                dispatch order)
 * @param subject what the reason is about: the gate, the breaker ({@code SCOPE/key}), the unmet requirement
 *                ({@code os=macos}, {@code profile=large}), the full nodes, the end of the backoff
 * @param message the same in words
 */
public record WaitingReason(String code, String subject, String message) {
    public static final String PAUSED = "PAUSED";
    public static final String BUDGET_HOLD = "BUDGET_HOLD";
    public static final String REVIEW_HOLD = "REVIEW_HOLD";
    public static final String BREAKER_OPEN = "BREAKER_OPEN";
    public static final String BACKOFF = "BACKOFF";
    public static final String NO_MATCHING_NODE = "NO_MATCHING_NODE";
    public static final String NODES_FULL = "NODES_FULL";
    public static final String QUEUED = "QUEUED";
}
