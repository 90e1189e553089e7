package dev.forgeline.metrics.archfixture;

import dev.forgeline.planner.archfixture.PlannerInternals;

/** A metrics class calling planner code on purpose (see RulesCatchViolationsTest). */
public class CrossServiceCaller {
    public String call() {
        return PlannerInternals.secret();
    }
}
