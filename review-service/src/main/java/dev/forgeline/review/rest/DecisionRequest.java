package dev.forgeline.review.rest;

/** Body of an approval (optional) or a rejection (reason required). */
public record DecisionRequest(String reviewer, String reason) {
}
