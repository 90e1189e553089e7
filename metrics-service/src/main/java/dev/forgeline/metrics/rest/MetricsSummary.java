package dev.forgeline.metrics.rest;

import java.math.BigDecimal;
import java.util.Map;

import dev.forgeline.metrics.service.Figures;

/**
 * Totals over the tasks of one spec (or all), then every computed figure by section.
 *
 * @param tasksByState task count per state; UNKNOWN for tasks no state event has reached yet
 * @param attempts     the sum of each task's highest attempt number
 * @param linesAdded   lines added by succeeded attempts (as the workers counted them)
 * @param linesMerged  lines the merges added to base branches
 */
public record MetricsSummary(
        long tasks,
        Map<String, Long> tasksByState,
        long attempts,
        long computeMillis,
        long linesAdded,
        long linesMerged,
        BigDecimal costUsd,
        long inputTokens,
        long outputTokens,
        Figures.Velocity velocity,
        Figures.Cost cost,
        Figures.Success success,
        Figures.Supervision supervision,
        Figures.Review review,
        Map<String, Figures.Lag> decisionLag,
        Figures.Retention retention) {

    public static MetricsSummary of(Figures f) {
        var v = f.velocity();
        return new MetricsSummary(
                v.tasks(),
                v.tasksByState(),
                v.attempts(),
                v.computeMillis(),
                v.linesAdded(),
                v.linesMerged(),
                f.cost().totalUsd(),
                v.inputTokens(),
                v.outputTokens(),
                v,
                f.cost(),
                f.success(),
                f.supervision(),
                f.review(),
                f.decisionLag(),
                f.retention());
    }
}
