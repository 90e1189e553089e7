package dev.forgeline.planner.quality;

import java.util.List;

import dev.forgeline.contracts.SpecQuality;

/**
 * The spec-quality gate's verdict on one task.
 *
 * @param score   0-100: how completely the task states what to build and how to check it
 * @param reasons codes with an explanation, such as {@code MISSING_ACCEPTANCE: no acceptance criteria}
 * @param missing what a person must add before a VAGUE task can run (empty for the other classes)
 */
public record QualityReport(SpecQuality qualityClass, int score, List<Reason> reasons, List<String> missing) {
    public QualityReport {
        reasons = List.copyOf(reasons);
        missing = List.copyOf(missing);
    }

    /** One finding: a stable code and what it means for this task. */
    public record Reason(String code, String detail) {}
}
