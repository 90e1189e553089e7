package dev.forgeline.metrics.repository;

import java.math.BigDecimal;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

import dev.forgeline.metrics.domain.FactRows.AttemptRow;
import dev.forgeline.metrics.domain.FactRows.BacklogRow;
import dev.forgeline.metrics.domain.FactRows.BreakerRow;
import dev.forgeline.metrics.domain.FactRows.DecisionRow;
import dev.forgeline.metrics.domain.FactRows.FailureRow;
import dev.forgeline.metrics.domain.FactRows.RetentionRow;
import dev.forgeline.metrics.domain.FactRows.TaskRow;

/**
 * The fact tables besides task_fact, written with idempotent upserts (every topic may deliver late, twice or out of
 * order) and read as plain rows for the figures.
 */
@ApplicationScoped
public class FactRepository {
    private final EntityManager em;

    public FactRepository(EntityManager em) {
        this.em = em;
    }

    public void recordLease(
            String specId,
            String taskId,
            long token,
            int attempt,
            String nodeName,
            String agentProfile,
            Instant leasedAt) {
        em.createNativeQuery("""
                INSERT INTO attempt_fact (spec_id, task_id, fencing_token, attempt, node_name, agent_profile, leased_at)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                ON CONFLICT (spec_id, task_id, fencing_token) DO UPDATE SET
                  node_name = EXCLUDED.node_name,
                  agent_profile = COALESCE(attempt_fact.agent_profile, EXCLUDED.agent_profile),
                  leased_at = EXCLUDED.leased_at,
                  attempt = GREATEST(attempt_fact.attempt, EXCLUDED.attempt)
                """)
                .setParameter(1, specId)
                .setParameter(2, taskId)
                .setParameter(3, token)
                .setParameter(4, attempt)
                .setParameter(5, nodeName)
                .setParameter(6, agentProfile)
                .setParameter(7, ts(leasedAt))
                .executeUpdate();
    }

    /** Records an attempt's result; called once per fencing token (the caller checks counted_result). */
    public void recordResult(
            String specId,
            String taskId,
            long token,
            int attempt,
            String agentProfile,
            boolean succeeded,
            String failureClass,
            String provider,
            String model,
            BigDecimal cost,
            boolean costEstimated,
            long computeMillis,
            long inputTokens,
            long outputTokens,
            int linesAdded,
            Instant startedAt,
            Instant finishedAt) {
        em.createNativeQuery("""
                INSERT INTO attempt_fact (spec_id, task_id, fencing_token, attempt, agent_profile, has_result,
                  succeeded, failure_class, provider, model, cost_usd, cost_estimated, compute_millis, input_tokens,
                  output_tokens, lines_added, started_at, finished_at)
                VALUES (?1, ?2, ?3, ?4, ?5, TRUE, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
                ON CONFLICT (spec_id, task_id, fencing_token) DO UPDATE SET
                  attempt = GREATEST(attempt_fact.attempt, EXCLUDED.attempt),
                  agent_profile = COALESCE(EXCLUDED.agent_profile, attempt_fact.agent_profile),
                  has_result = TRUE, succeeded = EXCLUDED.succeeded, failure_class = EXCLUDED.failure_class,
                  provider = EXCLUDED.provider, model = EXCLUDED.model, cost_usd = EXCLUDED.cost_usd,
                  cost_estimated = EXCLUDED.cost_estimated, compute_millis = EXCLUDED.compute_millis,
                  input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens,
                  lines_added = EXCLUDED.lines_added, started_at = EXCLUDED.started_at,
                  finished_at = EXCLUDED.finished_at
                """)
                .setParameter(1, specId)
                .setParameter(2, taskId)
                .setParameter(3, token)
                .setParameter(4, attempt)
                .setParameter(5, agentProfile)
                .setParameter(6, succeeded)
                .setParameter(7, failureClass)
                .setParameter(8, provider)
                .setParameter(9, model)
                .setParameter(10, cost)
                .setParameter(11, costEstimated)
                .setParameter(12, computeMillis)
                .setParameter(13, inputTokens)
                .setParameter(14, outputTokens)
                .setParameter(15, linesAdded)
                .setParameter(16, ts(startedAt))
                .setParameter(17, ts(finishedAt))
                .executeUpdate();
    }

    /** A failed attempt; a later report of the same attempt can only make it permanent, never undo that. */
    public void recordFailure(String specId, String taskId, int attempt, String failureClass, boolean permanent) {
        em.createNativeQuery("""
                INSERT INTO attempt_failure (spec_id, task_id, attempt, failure_class, permanent)
                VALUES (?1, ?2, ?3, ?4, ?5)
                ON CONFLICT (spec_id, task_id, attempt) DO UPDATE SET
                  permanent = attempt_failure.permanent OR EXCLUDED.permanent
                """)
                .setParameter(1, specId)
                .setParameter(2, taskId)
                .setParameter(3, attempt)
                .setParameter(4, failureClass)
                .setParameter(5, permanent)
                .executeUpdate();
    }

    public void recordDecision(
            UUID decisionId,
            String specId,
            String taskId,
            String kind,
            int level,
            Instant requestedAt,
            Instant decidedAt,
            String decidedBy,
            String outcome,
            String project) {
        em.createNativeQuery("""
                INSERT INTO decision_fact (decision_id, spec_id, task_id, kind, level, requested_at, decided_at,
                  decided_by, outcome, project)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING
                """)
                .setParameter(1, decisionId)
                .setParameter(2, specId)
                .setParameter(3, taskId)
                .setParameter(4, kind)
                .setParameter(5, level)
                .setParameter(6, ts(requestedAt))
                .setParameter(7, ts(decidedAt))
                .setParameter(8, decidedBy)
                .setParameter(9, outcome)
                .setParameter(10, project)
                .executeUpdate();
    }

    /** A breaker change; older changes than the stored one do not move the state back. */
    public void recordBreaker(String scope, String key, String state, boolean opened, Instant at) {
        em.createNativeQuery("""
                INSERT INTO breaker_fact (scope, key, state, openings, changed_at) VALUES (?1, ?2, ?3, ?4, ?5)
                ON CONFLICT (scope, key) DO UPDATE SET
                  openings = breaker_fact.openings + EXCLUDED.openings,
                  state = CASE WHEN breaker_fact.changed_at IS NULL OR EXCLUDED.changed_at >= breaker_fact.changed_at
                               THEN EXCLUDED.state ELSE breaker_fact.state END,
                  changed_at = GREATEST(breaker_fact.changed_at, EXCLUDED.changed_at)
                """)
                .setParameter(1, scope)
                .setParameter(2, key)
                .setParameter(3, state)
                .setParameter(4, opened ? 1 : 0)
                .setParameter(5, ts(at))
                .executeUpdate();
    }

    public void recordBacklog(BacklogRow backlog) {
        em.createNativeQuery("""
                INSERT INTO review_backlog_fact (id, pending_high_risk, pending_total, daily_capacity, hold_back,
                  reason, reported_at) VALUES ('review', ?1, ?2, ?3, ?4, ?5, ?6)
                ON CONFLICT (id) DO UPDATE SET pending_high_risk = EXCLUDED.pending_high_risk,
                  pending_total = EXCLUDED.pending_total, daily_capacity = EXCLUDED.daily_capacity,
                  hold_back = EXCLUDED.hold_back, reason = EXCLUDED.reason, reported_at = EXCLUDED.reported_at
                WHERE review_backlog_fact.reported_at IS NULL OR EXCLUDED.reported_at >= review_backlog_fact.reported_at
                """)
                .setParameter(1, backlog.pendingHighRisk())
                .setParameter(2, backlog.pendingTotal())
                .setParameter(3, backlog.dailyCapacity())
                .setParameter(4, backlog.holdBack())
                .setParameter(5, backlog.reason())
                .setParameter(6, ts(backlog.reportedAt()))
                .executeUpdate();
    }

    /** Marks a budget threshold as announced; false if it already was. */
    public boolean markBudgetAlert(String scope, String scopeKey, int threshold, BigDecimal spent, BigDecimal budget) {
        return em.createNativeQuery("""
                INSERT INTO budget_alert_sent (scope, scope_key, threshold, spent_usd, budget_usd)
                VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING
                """)
                        .setParameter(1, scope)
                        .setParameter(2, scopeKey)
                        .setParameter(3, threshold)
                        .setParameter(4, spent)
                        .setParameter(5, budget)
                        .executeUpdate()
                == 1;
    }

    /** Serialises budget checks of one budget across consumers until the transaction ends. */
    public void lockBudget(String scope, String scopeKey) {
        em.createNativeQuery("SELECT pg_advisory_xact_lock(hashtext(?1))")
                .setParameter(1, scope + "/" + scopeKey)
                .getSingleResult();
    }

    public BigDecimal specCost(String specId) {
        return (BigDecimal) em.createNativeQuery(
                        "SELECT COALESCE(SUM(cost_usd), 0) FROM attempt_fact WHERE spec_id = ?1 AND has_result")
                .setParameter(1, specId)
                .getSingleResult();
    }

    /** Spending of attempts that finished on this UTC day. */
    public BigDecimal dayCost(LocalDate day) {
        return (BigDecimal) em.createNativeQuery("""
                SELECT COALESCE(SUM(cost_usd), 0) FROM attempt_fact
                WHERE has_result AND finished_at >= ?1 AND finished_at < ?2
                """)
                .setParameter(1, ts(day.atStartOfDay(java.time.ZoneOffset.UTC).toInstant()))
                .setParameter(
                        2,
                        ts(day.plusDays(1)
                                .atStartOfDay(java.time.ZoneOffset.UTC)
                                .toInstant()))
                .getSingleResult();
    }

    public List<String> knownRepositories() {
        return rows(
                "SELECT DISTINCT repository FROM task_fact WHERE repository IS NOT NULL ORDER BY 1", r -> (String) r);
    }

    public void recordRetention(UUID scanId, RetentionRow row) {
        em.createNativeQuery("""
                INSERT INTO retention_snapshot (scan_id, taken_at, repository, spec_id, week, generated, surviving)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                """)
                .setParameter(1, scanId)
                .setParameter(2, ts(row.takenAt()))
                .setParameter(3, row.repository())
                .setParameter(4, row.specId())
                .setParameter(5, Date.valueOf(row.week()))
                .setParameter(6, row.generated())
                .setParameter(7, row.surviving())
                .executeUpdate();
    }

    /** Each spec's project, by spec id (a spec whose tasks were never ready has none here). */
    public Map<String, String> specProjects() {
        Map<String, String> projects = new HashMap<>();
        // a decision names its spec's project; the tasks' TaskReady has the last word (older decisions name none)
        rows("SELECT DISTINCT spec_id, project FROM decision_fact WHERE project IS NOT NULL", r -> {
                    Object[] c = (Object[]) r;
                    return new String[] {(String) c[0], (String) c[1]};
                })
                .forEach(pair -> projects.put(pair[0], pair[1]));
        rows("SELECT DISTINCT spec_id, project FROM task_fact", r -> {
                    Object[] c = (Object[]) r;
                    return new String[] {(String) c[0], (String) c[1]};
                })
                .forEach(pair -> projects.put(pair[0], pair[1]));
        return projects;
    }

    public List<TaskRow> tasks(Optional<String> specId) {
        return rows("""
                SELECT spec_id, task_id, state, attempt, attempts, compute_millis, lines_merged, cost_usd, quality_class,
                       first_event_at, last_event_at, permanent_failure_class, review_level, merged_by, merged_attempt
                FROM task_fact""" + where(specId, "spec_id") + " ORDER BY spec_id, task_id", specId, r -> {
            Object[] c = (Object[]) r;
            return new TaskRow(
                    (String) c[0],
                    (String) c[1],
                    (String) c[2],
                    num(c[3]),
                    num(c[4]),
                    lng(c[5]),
                    num(c[6]),
                    (BigDecimal) c[7],
                    (String) c[8],
                    instant(c[9]),
                    instant(c[10]),
                    (String) c[11],
                    c[12] == null ? null : num(c[12]),
                    (String) c[13],
                    c[14] == null ? null : num(c[14]));
        });
    }

    public List<AttemptRow> attempts(Optional<String> specId) {
        return rows("""
                SELECT spec_id, task_id, fencing_token, attempt, agent_profile, has_result, succeeded, failure_class,
                       provider, model, cost_usd, cost_estimated, compute_millis, input_tokens, output_tokens,
                       lines_added, started_at, finished_at
                FROM attempt_fact""" + where(specId, "spec_id") + " ORDER BY spec_id, task_id, fencing_token", specId, r -> {
            Object[] c = (Object[]) r;
            return new AttemptRow(
                    (String) c[0],
                    (String) c[1],
                    lng(c[2]),
                    num(c[3]),
                    (String) c[4],
                    (Boolean) c[5],
                    (Boolean) c[6],
                    (String) c[7],
                    (String) c[8],
                    (String) c[9],
                    (BigDecimal) c[10],
                    (Boolean) c[11],
                    lng(c[12]),
                    lng(c[13]),
                    lng(c[14]),
                    num(c[15]),
                    instant(c[16]),
                    instant(c[17]));
        });
    }

    public List<FailureRow> failures(Optional<String> specId) {
        return rows(
                "SELECT spec_id, task_id, attempt, failure_class, permanent FROM attempt_failure"
                        + where(specId, "spec_id") + " ORDER BY spec_id, task_id, attempt",
                specId,
                r -> {
                    Object[] c = (Object[]) r;
                    return new FailureRow((String) c[0], (String) c[1], num(c[2]), (String) c[3], (Boolean) c[4]);
                });
    }

    public List<DecisionRow> decisions(Optional<String> specId) {
        return rows(
                "SELECT spec_id, task_id, kind, level, requested_at, decided_at FROM decision_fact"
                        + where(specId, "spec_id") + " ORDER BY decided_at",
                specId,
                r -> {
                    Object[] c = (Object[]) r;
                    return new DecisionRow(
                            (String) c[0], (String) c[1], (String) c[2], num(c[3]), instant(c[4]), instant(c[5]));
                });
    }

    public List<BreakerRow> breakers() {
        return rows("SELECT scope, key, state, openings, changed_at FROM breaker_fact ORDER BY scope, key", r -> {
            Object[] c = (Object[]) r;
            return new BreakerRow((String) c[0], (String) c[1], (String) c[2], num(c[3]), instant(c[4]));
        });
    }

    public Optional<BacklogRow> backlog() {
        return rows("""
                SELECT pending_high_risk, pending_total, daily_capacity, hold_back, reason, reported_at
                FROM review_backlog_fact WHERE id = 'review'""", r -> {
                    Object[] c = (Object[]) r;
                    return new BacklogRow(
                            num(c[0]), num(c[1]), num(c[2]), (Boolean) c[3], (String) c[4], instant(c[5]));
                })
                .stream()
                .findFirst();
    }

    /** Every snapshot row (for the survival curve), or one spec's. */
    public List<RetentionRow> retention(Optional<String> specId) {
        return rows(
                "SELECT taken_at, repository, spec_id, week, generated, surviving FROM retention_snapshot"
                        + where(specId, "spec_id") + " ORDER BY taken_at, repository, spec_id, week",
                specId,
                r -> {
                    Object[] c = (Object[]) r;
                    return new RetentionRow(
                            instant(c[0]), (String) c[1], (String) c[2], localDate(c[3]), num(c[4]), num(c[5]));
                });
    }

    private static String where(Optional<String> specId, String column) {
        return specId.isPresent() ? " WHERE " + column + " = ?1" : "";
    }

    private <T> List<T> rows(String sql, java.util.function.Function<Object, T> mapper) {
        return rows(sql, Optional.empty(), mapper);
    }

    @SuppressWarnings("unchecked")
    private <T> List<T> rows(String sql, Optional<String> specId, java.util.function.Function<Object, T> mapper) {
        var query = em.createNativeQuery(sql);
        specId.ifPresent(s -> query.setParameter(1, s));
        return ((List<Object>) query.getResultList()).stream().map(mapper).toList();
    }

    private static Timestamp ts(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    private static int num(Object value) {
        return value == null ? 0 : ((Number) value).intValue();
    }

    private static long lng(Object value) {
        return value == null ? 0 : ((Number) value).longValue();
    }

    static Instant instant(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Instant i) {
            return i;
        }
        if (value instanceof Timestamp t) {
            return t.toInstant();
        }
        if (value instanceof OffsetDateTime o) {
            return o.toInstant();
        }
        throw new IllegalStateException("not a time: " + value.getClass());
    }

    private static LocalDate localDate(Object value) {
        if (value instanceof LocalDate d) {
            return d;
        }
        return ((Date) value).toLocalDate();
    }
}
