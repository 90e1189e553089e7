package dev.forgeline.metrics.rest;

import java.math.BigDecimal;
import java.util.Map;

/**
 * Totals over the tasks of one spec (or all).
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
        long outputTokens) {
}
