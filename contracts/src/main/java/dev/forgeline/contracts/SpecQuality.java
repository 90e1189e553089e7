package dev.forgeline.contracts;

/**
 * How well a task is specified, which predicts whether an agent succeeds (field figures: 23% vague, 61% moderate,
 * 84% highly specified, 72% over-specified). VAGUE tasks are held for a decision instead of being dispatched.
 */
public enum SpecQuality {
    VAGUE,
    MODERATE,
    HIGHLY_SPECIFIED,
    OVER_SPECIFIED
}
