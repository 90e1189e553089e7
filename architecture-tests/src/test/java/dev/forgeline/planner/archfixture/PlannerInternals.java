package dev.forgeline.planner.archfixture;

/** Stands for a planner class another service must not use (see RulesCatchViolationsTest). */
public class PlannerInternals {
    public static String secret() {
        return "planner";
    }
}
