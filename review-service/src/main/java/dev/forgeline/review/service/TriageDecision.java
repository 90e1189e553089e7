package dev.forgeline.review.service;

import java.util.List;

/**
 * The review level of a diff and every rule that decided it.
 *
 * @param level 0 merges without a person, 1 quick scan, 2 full review, 3 pair review
 */
public record TriageDecision(int level, List<String> reasons) {
    public TriageDecision {
        reasons = List.copyOf(reasons);
    }

    public boolean autoMerge() {
        return level == 0;
    }
}
