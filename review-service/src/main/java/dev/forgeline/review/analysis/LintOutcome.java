package dev.forgeline.review.analysis;

/**
 * The repository's lint command run on the task commit.
 *
 * @param command null when the repository configures none (lint counts as clean)
 */
public record LintOutcome(String command, boolean passed, int exitCode, String outputTail) {
    public static LintOutcome notConfigured() {
        return new LintOutcome(null, true, 0, "");
    }

    public boolean configured() {
        return command != null;
    }
}
