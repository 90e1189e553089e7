package dev.forgeline.review.service;

import dev.forgeline.contracts.payload.DiffStats;
import dev.forgeline.review.config.ReviewConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/** Sorts a succeeded attempt into a review level from its recomputed diff and the worker's test run. */
@ApplicationScoped
public class Triage {
    private final ReviewConfig config;

    public Triage(ReviewConfig config) {
        this.config = config;
    }

    /**
     * Level 0 when the tests ran and passed and the diff is smaller than the auto-merge limit, otherwise level 1
     * with one reason per rule that failed.
     *
     * @param diff null when the diff could not be computed ({@code diffProblem} says why)
     */
    public TriageDecision decide(DiffStats diff, String diffProblem, boolean testsRan, boolean testsPassed) {
        int limit = config.autoMergeMaxLines();
        List<String> reasons = new ArrayList<>();
        if (!testsRan) {
            reasons.add("tests did not run");
        } else if (!testsPassed) {
            reasons.add("tests did not pass");
        }
        if (diff == null) {
            reasons.add("diff could not be computed: " + diffProblem);
        } else if (diff.linesChanged() >= limit) {
            reasons.add(diff.linesChanged() + " changed lines (limit " + limit + ")");
        }
        if (!reasons.isEmpty()) {
            return new TriageDecision(1, reasons);
        }
        return new TriageDecision(0, List.of("tests passed", diff.linesChanged() + " changed lines (limit " + limit
                + ")"));
    }
}
