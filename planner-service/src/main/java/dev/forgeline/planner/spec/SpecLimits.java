package dev.forgeline.planner.spec;

import java.time.Duration;

/**
 * What one submitted spec may hold at most, so a hostile or runaway spec cannot fill the database, the events or
 * an agent's prompt: tasks per spec, labels per task, characters of a title and of every other text field (a
 * description, each acceptance item, constraint, input, output, file, the test command), and the estimate.
 */
public record SpecLimits(
        int maxTasks, int maxLabelsPerTask, int maxTitleLength, int maxTextLength, Duration maxEstimate) {
    /** The configuration defaults ({@code forgeline.planner.limits.*}). */
    public static final SpecLimits DEFAULT = new SpecLimits(1000, 32, 500, 65_536, Duration.ofDays(7));
}
