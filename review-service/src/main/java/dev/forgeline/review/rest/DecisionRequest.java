package dev.forgeline.review.rest;

/**
 * A person's decision. {@code comment} and {@code reason} are the same thing (either may be sent): optional for an
 * approval, required for a rejection and a change request.
 */
public record DecisionRequest(String reviewer, String reason, String comment) {
    public String text() {
        return comment != null && !comment.isBlank() ? comment : reason;
    }
}
