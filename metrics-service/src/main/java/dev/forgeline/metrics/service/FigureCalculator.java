package dev.forgeline.metrics.service;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.metrics.domain.FactRows.AttemptRow;
import dev.forgeline.metrics.domain.FactRows.BacklogRow;
import dev.forgeline.metrics.domain.FactRows.BreakerRow;
import dev.forgeline.metrics.domain.FactRows.DecisionRow;
import dev.forgeline.metrics.domain.FactRows.FailureRow;
import dev.forgeline.metrics.domain.FactRows.RetentionRow;
import dev.forgeline.metrics.domain.FactRows.TaskRow;
import dev.forgeline.metrics.service.Figures.Backlog;
import dev.forgeline.metrics.service.Figures.Breaker;
import dev.forgeline.metrics.service.Figures.BudgetUse;
import dev.forgeline.metrics.service.Figures.Cost;
import dev.forgeline.metrics.service.Figures.CurvePoint;
import dev.forgeline.metrics.service.Figures.Lag;
import dev.forgeline.metrics.service.Figures.Point;
import dev.forgeline.metrics.service.Figures.Rate;
import dev.forgeline.metrics.service.Figures.Retention;
import dev.forgeline.metrics.service.Figures.Review;
import dev.forgeline.metrics.service.Figures.Success;
import dev.forgeline.metrics.service.Figures.Supervision;
import dev.forgeline.metrics.service.Figures.Velocity;

/** Computes every figure from fact rows; pure, so each definition is tested without a broker or database. */
public final class FigureCalculator {
    static final String NO_STATE_YET = "UNKNOWN";
    static final String UNKNOWN = "unknown";
    private static final BigDecimal MILLIS_PER_HOUR = BigDecimal.valueOf(3_600_000);

    private FigureCalculator() {}

    /** The facts of one scope. */
    public record Input(
            String scope,
            List<TaskRow> tasks,
            List<AttemptRow> attempts,
            List<FailureRow> failures,
            List<DecisionRow> decisions,
            List<BreakerRow> breakers,
            Optional<BacklogRow> backlog,
            List<RetentionRow> retention,
            List<BudgetUse> budgets) {}

    public static Figures compute(Input in) {
        return new Figures(
                in.scope(),
                velocity(in),
                cost(in),
                success(in),
                supervision(in),
                review(in),
                decisionLag(in.decisions()),
                retention(in.retention()));
    }

    static Velocity velocity(Input in) {
        Map<String, Long> byState = new LinkedHashMap<>();
        in.tasks().stream()
                .map(t -> t.state() == null ? NO_STATE_YET : t.state())
                .sorted(Comparator.comparingInt(FigureCalculator::stateOrder))
                .forEach(s -> byState.merge(s, 1L, Long::sum));
        long computeMillis = in.attempts().stream()
                .filter(AttemptRow::hasResult)
                .mapToLong(AttemptRow::computeMillis)
                .sum();
        BigDecimal hours = BigDecimal.valueOf(computeMillis).divide(MILLIS_PER_HOUR, 4, RoundingMode.HALF_UP);
        Map<String, Instant[]> window = new TreeMap<>();
        for (TaskRow t : in.tasks()) {
            if (t.firstEventAt() == null) {
                continue;
            }
            Instant[] w = window.computeIfAbsent(t.specId(), k -> new Instant[] {t.firstEventAt(), t.lastEventAt()});
            if (t.firstEventAt().isBefore(w[0])) {
                w[0] = t.firstEventAt();
            }
            if (t.lastEventAt().isAfter(w[1])) {
                w[1] = t.lastEventAt();
            }
        }
        Map<String, Long> wallClock = new TreeMap<>();
        window.forEach(
                (spec, w) -> wallClock.put(spec, Duration.between(w[0], w[1]).toSeconds()));
        long linesMerged = in.tasks().stream().mapToLong(TaskRow::linesMerged).sum();
        BigDecimal perHour = computeMillis == 0
                ? null
                : BigDecimal.valueOf(linesMerged)
                        .multiply(MILLIS_PER_HOUR)
                        .divide(BigDecimal.valueOf(computeMillis), 2, RoundingMode.HALF_UP);
        return new Velocity(
                in.tasks().size(),
                byState,
                in.tasks().stream().mapToLong(TaskRow::attempts).sum(),
                computeMillis,
                hours,
                wallClock,
                in.attempts().stream().mapToLong(AttemptRow::linesAdded).sum(),
                linesMerged,
                perHour,
                in.attempts().stream().mapToLong(AttemptRow::inputTokens).sum(),
                in.attempts().stream().mapToLong(AttemptRow::outputTokens).sum());
    }

    static Cost cost(Input in) {
        List<AttemptRow> counted =
                in.attempts().stream().filter(AttemptRow::hasResult).toList();
        BigDecimal total = sum(counted, a -> true);
        BigDecimal estimated = sum(counted, AttemptRow::costEstimated);
        return new Cost(
                total,
                estimated,
                costBy(counted, a -> a.specId() + "/" + a.taskId()),
                costBy(counted, AttemptRow::specId),
                costBy(counted, AttemptRow::provider),
                costBy(counted, AttemptRow::model),
                costBy(counted, AttemptRow::agentProfile),
                in.budgets());
    }

    static Success success(Input in) {
        long finished = 0;
        long firstAttempt = 0;
        long withRetries = 0;
        Map<String, long[]> byQuality = new TreeMap<>();
        Map<String, Long> permanentByClass = new TreeMap<>();
        for (TaskRow t : in.tasks()) {
            boolean merged = TaskState.MERGED.name().equals(t.state());
            boolean done = merged
                    || TaskState.REJECTED.name().equals(t.state())
                    || TaskState.REVERTED.name().equals(t.state())
                    || (t.permanentFailureClass() != null
                            && !TaskState.CANCELLED.name().equals(t.state()));
            if (t.permanentFailureClass() != null) {
                permanentByClass.merge(t.permanentFailureClass(), 1L, Long::sum);
            }
            if (!done) {
                continue;
            }
            finished++;
            if (merged && t.mergedAttempt() != null && t.mergedAttempt() <= 1) {
                firstAttempt++;
            } else if (merged) {
                withRetries++;
            }
            long[] q =
                    byQuality.computeIfAbsent(t.qualityClass() == null ? UNKNOWN : t.qualityClass(), k -> new long[2]);
            q[0]++;
            if (merged) {
                q[1]++;
            }
        }
        Map<String, Long> retries = new TreeMap<>();
        in.failures().stream()
                .filter(f -> !f.permanent())
                .filter(f -> !FailureClass.CANCELLED.name().equals(f.failureClass()))
                .forEach(f -> retries.merge(f.failureClass(), 1L, Long::sum));
        Map<Integer, long[]> byHour = new TreeMap<>();
        for (AttemptRow a : in.attempts()) {
            Instant at = a.startedAt() != null ? a.startedAt() : a.finishedAt();
            if (!a.hasResult() || at == null) {
                continue;
            }
            long[] h = byHour.computeIfAbsent(at.atZone(ZoneOffset.UTC).getHour(), k -> new long[2]);
            h[0]++;
            if (a.succeeded()) {
                h[1]++;
            }
        }
        Map<Integer, Rate> hourRates = new TreeMap<>();
        byHour.forEach((hour, c) -> hourRates.put(hour, new Rate(c[0], c[1], ratio(c[1], c[0]))));
        Map<String, Rate> qualityRates = new TreeMap<>();
        byQuality.forEach((q, c) -> qualityRates.put(q, new Rate(c[0], c[1], ratio(c[1], c[0]))));
        return new Success(
                finished,
                firstAttempt,
                ratio(firstAttempt, finished),
                withRetries,
                ratio(firstAttempt + withRetries, finished),
                permanentByClass,
                retries,
                hourRates,
                qualityRates);
    }

    static Supervision supervision(Input in) {
        Map<String, Long> byClass = new TreeMap<>();
        in.failures().forEach(f -> byClass.merge(f.failureClass(), 1L, Long::sum));
        List<Breaker> breakers = in.breakers().stream()
                .map(b -> new Breaker(b.scope(), b.key(), b.state(), b.openings(), b.changedAt()))
                .toList();
        return new Supervision(
                byClass,
                byClass.getOrDefault(FailureClass.ORPHANED.name(), 0L),
                byClass.getOrDefault(FailureClass.TIMEOUT.name(), 0L),
                breakers,
                breakers.stream().filter(b -> "OPEN".equals(b.state())).count(),
                breakers.stream().mapToLong(Breaker::openings).sum());
    }

    static Review review(Input in) {
        Map<Integer, Long> levels = new TreeMap<>();
        long merged = 0;
        long auto = 0;
        for (TaskRow t : in.tasks()) {
            if (t.reviewLevel() != null) {
                levels.merge(t.reviewLevel(), 1L, Long::sum);
            }
            if (TaskState.MERGED.name().equals(t.state())) {
                merged++;
                if (t.reviewLevel() != null && t.reviewLevel() == 0 && t.mergedBy() == null) {
                    auto++;
                }
            }
        }
        Backlog backlog = in.backlog()
                .map(b -> new Backlog(
                        b.pendingHighRisk(),
                        b.pendingTotal(),
                        b.dailyCapacity(),
                        ratio(b.pendingHighRisk(), b.dailyCapacity()),
                        b.holdBack(),
                        b.reason(),
                        b.reportedAt()))
                .orElse(null);
        return new Review(levels, merged, auto, ratio(auto, merged), backlog);
    }

    /** Lag per decision kind, and per review level as {@code REVIEW level N}. */
    static Map<String, Lag> decisionLag(List<DecisionRow> decisions) {
        Map<String, List<Long>> lags = new TreeMap<>();
        for (DecisionRow d : decisions) {
            long seconds = Duration.between(d.requestedAt(), d.decidedAt()).toSeconds();
            lags.computeIfAbsent(d.kind(), k -> new ArrayList<>()).add(seconds);
            if ("REVIEW".equals(d.kind())) {
                lags.computeIfAbsent("REVIEW level " + d.level(), k -> new ArrayList<>())
                        .add(seconds);
            }
        }
        Map<String, Lag> result = new TreeMap<>();
        lags.forEach((kind, values) -> {
            List<Long> sorted = values.stream().sorted().toList();
            result.put(kind, new Lag(sorted.size(), nearestRank(sorted, 50), nearestRank(sorted, 95)));
        });
        return result;
    }

    /** The smallest value with at least p% of the values at or below it. */
    static long nearestRank(List<Long> sorted, int percent) {
        int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    /** Latest scan of each repository for the totals; every scan for the curve. */
    static Retention retention(List<RetentionRow> rows) {
        if (rows.isEmpty()) {
            return new Retention(null, 0, 0, null, Map.of(), Map.of(), List.of());
        }
        Map<String, Instant> latest = new HashMap<>();
        rows.forEach(r -> latest.merge(r.repository(), r.takenAt(), (a, b) -> a.isAfter(b) ? a : b));
        List<RetentionRow> current = rows.stream()
                .filter(r -> r.takenAt().equals(latest.get(r.repository())))
                .toList();
        Map<String, long[]> bySpec = new TreeMap<>();
        Map<LocalDate, long[]> byWeek = new TreeMap<>();
        long generated = 0;
        long surviving = 0;
        for (RetentionRow r : current) {
            generated += r.generated();
            surviving += r.surviving();
            add(bySpec.computeIfAbsent(r.specId(), k -> new long[2]), r);
            add(byWeek.computeIfAbsent(r.week(), k -> new long[2]), r);
        }
        Map<Instant, long[]> byScan = new TreeMap<>();
        rows.forEach(r -> add(byScan.computeIfAbsent(r.takenAt(), k -> new long[2]), r));
        List<CurvePoint> curve = new ArrayList<>();
        byScan.forEach((at, c) -> curve.add(new CurvePoint(at, c[0], c[1], ratio(c[1], c[0]))));
        Map<String, Point> specPoints = new TreeMap<>();
        bySpec.forEach((k, c) -> specPoints.put(k, new Point(c[0], c[1], ratio(c[1], c[0]))));
        Map<LocalDate, Point> weekPoints = new TreeMap<>();
        byWeek.forEach((k, c) -> weekPoints.put(k, new Point(c[0], c[1], ratio(c[1], c[0]))));
        Instant last = latest.values().stream().max(Comparator.naturalOrder()).orElse(null);
        return new Retention(last, generated, surviving, ratio(surviving, generated), specPoints, weekPoints, curve);
    }

    private static void add(long[] counts, RetentionRow r) {
        counts[0] += r.generated();
        counts[1] += r.surviving();
    }

    /** part / whole, 4 decimals half-up; null when whole is 0. */
    static BigDecimal ratio(long part, long whole) {
        return whole == 0 ? null : BigDecimal.valueOf(part).divide(BigDecimal.valueOf(whole), 4, RoundingMode.HALF_UP);
    }

    private static BigDecimal sum(List<AttemptRow> attempts, java.util.function.Predicate<AttemptRow> which) {
        return attempts.stream().filter(which).map(AttemptRow::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    private static Map<String, BigDecimal> costBy(List<AttemptRow> attempts, Function<AttemptRow, String> key) {
        Map<String, BigDecimal> by = new TreeMap<>();
        for (AttemptRow a : attempts) {
            String k = key.apply(a);
            by.merge(k == null || k.isBlank() ? UNKNOWN : k, a.costUsd(), BigDecimal::add);
        }
        by.replaceAll((k, v) -> v.stripTrailingZeros().scale() < 0 ? v.setScale(0) : v.stripTrailingZeros());
        return by;
    }

    private static int stateOrder(String state) {
        try {
            return TaskState.valueOf(state).ordinal();
        } catch (IllegalArgumentException e) {
            return Integer.MAX_VALUE;
        }
    }
}
