package dev.forgeline.metrics.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;

/** Read-only rows the figures are computed from. */
public final class FactRows {
    private FactRows() {}

    /** One task, as folded into task_fact. */
    public record TaskRow(
            String specId,
            String taskId,
            String state,
            int attempt,
            int attempts,
            long computeMillis,
            int linesMerged,
            BigDecimal costUsd,
            String qualityClass,
            Instant firstEventAt,
            Instant lastEventAt,
            String permanentFailureClass,
            Integer reviewLevel,
            String mergedBy,
            Integer mergedAttempt) {}

    /** One attempt (fencing token); the result fields are zero until its result arrived. */
    public record AttemptRow(
            String specId,
            String taskId,
            long fencingToken,
            int attempt,
            String agentProfile,
            boolean hasResult,
            boolean succeeded,
            String failureClass,
            String provider,
            String model,
            BigDecimal costUsd,
            boolean costEstimated,
            long computeMillis,
            long inputTokens,
            long outputTokens,
            int linesAdded,
            Instant startedAt,
            Instant finishedAt) {}

    /** One failed attempt; permanent when no retry followed. */
    public record FailureRow(String specId, String taskId, int attempt, String failureClass, boolean permanent) {}

    /** One decision a person made. */
    public record DecisionRow(
            String specId, String taskId, String kind, int level, Instant requestedAt, Instant decidedAt) {}

    /** A circuit breaker's last state. */
    public record BreakerRow(String scope, String key, String state, int openings, Instant changedAt) {}

    /** The latest human review backlog report. */
    public record BacklogRow(
            int pendingHighRisk,
            int pendingTotal,
            int dailyCapacity,
            boolean holdBack,
            String reason,
            Instant reportedAt) {}

    /** Lines of one spec generated in one week, and how many survive on main, at one scan. */
    public record RetentionRow(
            Instant takenAt, String repository, String specId, LocalDate week, int generated, int surviving) {}
}
