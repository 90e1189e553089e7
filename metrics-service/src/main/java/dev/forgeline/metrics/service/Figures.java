package dev.forgeline.metrics.service;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * Every computed figure over one scope (all tasks, one spec, or the tasks first seen in one week). Ratios are
 * exact decimals rounded half-up to 4 places; money is never rounded; null where the denominator is zero.
 */
public record Figures(
        String scope,
        Velocity velocity,
        Cost cost,
        Success success,
        Supervision supervision,
        Review review,
        Map<String, Lag> decisionLag,
        Retention retention) {

    /**
     * @param computeHours              agent compute time of every counted attempt, in hours
     * @param wallClockSecondsBySpec    first to last event about a spec's tasks
     * @param linesMergedPerComputeHour lines merged to main per agent compute hour
     */
    public record Velocity(
            long tasks,
            Map<String, Long> tasksByState,
            long attempts,
            long computeMillis,
            BigDecimal computeHours,
            Map<String, Long> wallClockSecondsBySpec,
            long linesAdded,
            long linesMerged,
            BigDecimal linesMergedPerComputeHour,
            long inputTokens,
            long outputTokens) {}

    /** @param estimatedUsd the part of the total that came from a price table, not from the agent */
    public record Cost(
            BigDecimal totalUsd,
            BigDecimal estimatedUsd,
            Map<String, BigDecimal> byTask,
            Map<String, BigDecimal> bySpec,
            Map<String, BigDecimal> byProvider,
            Map<String, BigDecimal> byModel,
            Map<String, BigDecimal> byAgentProfile,
            List<BudgetUse> budgets) {}

    /** @param scope SPEC or DAY; {@code key} the spec id or the day */
    public record BudgetUse(String scope, String key, BigDecimal spentUsd, BigDecimal budgetUsd, BigDecimal used) {}

    /**
     * @param finishedTasks         tasks merged, rejected, reverted or failed for good
     * @param firstAttemptSuccesses tasks merged from their first attempt
     * @param successesWithRetries  tasks merged from a later attempt
     */
    public record Success(
            long finishedTasks,
            long firstAttemptSuccesses,
            BigDecimal firstAttemptSuccessRate,
            long successesWithRetries,
            BigDecimal successRateWithRetries,
            Map<String, Long> permanentFailuresByClass,
            Map<String, Long> retriesByClass,
            Map<Integer, Rate> byHourOfDay,
            Map<String, Rate> bySpecQuality) {}

    public record Rate(long total, long succeeded, BigDecimal rate) {}

    /**
     * @param failedAttemptsByClass every failed attempt, by class
     * @param zombies               attempts lost with their node (ORPHANED)
     * @param timeouts              attempts stopped at a deadline (TIMEOUT)
     */
    public record Supervision(
            Map<String, Long> failedAttemptsByClass,
            long zombies,
            long timeouts,
            List<Breaker> breakers,
            long breakersOpen,
            long breakerOpenings) {}

    public record Breaker(String scope, String key, String state, int openings, Instant changedAt) {}

    /**
     * @param levels         reviewed tasks by review level (0 = auto-merge)
     * @param autoMergeShare merged tasks merged without a person / merged tasks
     */
    public record Review(
            Map<Integer, Long> levels, long merged, long autoMerged, BigDecimal autoMergeShare, Backlog backlog) {}

    /** @param load pending level 2-3 reviews / daily capacity */
    public record Backlog(
            int pendingHighRisk,
            int pendingTotal,
            int dailyCapacity,
            BigDecimal load,
            boolean holdBack,
            String reason,
            Instant reportedAt) {}

    /** Nearest-rank percentiles of requested-to-decided time. */
    public record Lag(long count, long p50Seconds, long p95Seconds) {}

    /**
     * @param generated lines task commits added to main, at the latest scan
     * @param surviving of those, lines blame still attributes to the task commits
     * @param curve     the totals at every scan, oldest first
     */
    public record Retention(
            Instant lastScanAt,
            long generated,
            long surviving,
            BigDecimal ratio,
            Map<String, Point> bySpec,
            Map<LocalDate, Point> byWeek,
            List<CurvePoint> curve) {}

    public record Point(long generated, long surviving, BigDecimal ratio) {}

    public record CurvePoint(Instant takenAt, long generated, long surviving, BigDecimal ratio) {}
}
