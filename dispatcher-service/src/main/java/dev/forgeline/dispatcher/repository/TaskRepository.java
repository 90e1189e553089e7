package dev.forgeline.dispatcher.repository;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.dispatcher.domain.Task;
import dev.forgeline.dispatcher.domain.TaskKey;
import dev.forgeline.dispatcher.mapping.StringMapJson;
import dev.forgeline.dispatcher.repository.LeaseRepository.NewLease;
import io.agroal.api.AgroalDataSource;
import io.quarkus.hibernate.orm.panache.PanacheQuery;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;

/** Tasks. Reads go through Panache; every state change is one set-based statement. */
@ApplicationScoped
public class TaskRepository implements PanacheRepositoryBase<Task, TaskKey> {
    private final AgroalDataSource dataSource;

    public TaskRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A READY task locked by the current dispatch round. */
    public record DispatchableTask(
            String specId,
            String taskId,
            String taskReadyJson,
            int attempt,
            Map<String, String> requires,
            String agentProfile,
            long estimateSeconds,
            Map<String, String> traceContext,
            String leaseProfile,
            String previousAttemptJson,
            Instant readyAt) {
        /** The profile this attempt runs: the retry's choice, else the task's own. */
        public String effectiveProfile() {
            return leaseProfile != null ? leaseProfile : agentProfile;
        }
    }

    /** What a dispatch round must leave out. */
    public record Exclusions(
            List<String> specIds,
            boolean holdHumanReview,
            List<String> blockedProfiles,
            long starvationMillis,
            long fairShareWindowMillis) {}

    /** A task row locked for a decision about it. */
    public record TaskRow(
            String specId,
            String taskId,
            TaskState state,
            int attempt,
            int attemptBase,
            int revision,
            UUID currentLeaseId,
            Long fencingToken,
            String nodeName,
            String agentProfile,
            String leaseProfile,
            Instant firstReadyAt,
            Map<String, String> traceContext,
            boolean leaseOpen,
            String leaseAgentProfile,
            long estimateSeconds) {
        public boolean isActive() {
            return state == TaskState.LEASED || state == TaskState.RUNNING;
        }
    }

    /** A task locked together with its current (or last) lease, to judge a heartbeat or a result. */
    public record CurrentLease(
            TaskState state, UUID leaseId, Long fencingToken, int attempt, String nodeName, boolean leaseOpen) {
        public boolean isHeldBy(UUID claimedLease, long claimedToken) {
            return leaseOpen
                    && fencingToken != null
                    && fencingToken == claimedToken
                    && (claimedLease == null || claimedLease.equals(leaseId))
                    && (state == TaskState.LEASED || state == TaskState.RUNNING);
        }
    }

    /** What an expired lease does to its task: back to READY, or FAILED when out of attempts. */
    public record Expiry(String specId, String taskId, TaskState state, FailureClass failureClass) {}

    /**
     * Inserts a READY task, or re-arms one that has finished (a new request for it). A task still READY, LEASED
     * or RUNNING is left alone: the event is a duplicate.
     *
     * @return true if the task is now READY because of this call
     */
    public boolean insertReady(
            String specId,
            String taskId,
            String taskReadyJson,
            int priority,
            Map<String, String> labels,
            Map<String, String> requires,
            String agentProfile,
            long estimateSeconds,
            Map<String, String> traceContext,
            int revision,
            boolean needsHumanReview,
            String project) {
        return Jdbc.call(dataSource, "insert task " + specId + "/" + taskId, c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO task (spec_id, task_id, task_ready, trace_context, state, attempt, attempt_base, priority,
                                      labels, agent_profile, estimate_seconds, ready_at, updated_at, revision,
                                      needs_human_review, first_ready_at, requires, project)
                    VALUES (?, ?, ?, ?, 'READY', 0, 0, ?, ?::jsonb, ?, ?, now(), now(), ?, ?, now(), ?::jsonb, ?)
                    ON CONFLICT (spec_id, task_id) DO UPDATE
                    SET task_ready = EXCLUDED.task_ready, trace_context = EXCLUDED.trace_context, state = 'READY',
                        attempt_base = task.attempt,
                        priority = EXCLUDED.priority, labels = EXCLUDED.labels, agent_profile = EXCLUDED.agent_profile,
                        estimate_seconds = EXCLUDED.estimate_seconds, failure_class = NULL, failure_detail = NULL,
                        permanent = false, not_before = NULL, lease_profile = NULL, previous_attempt = NULL,
                        waiting_reason = NULL, revision = EXCLUDED.revision,
                        needs_human_review = EXCLUDED.needs_human_review, first_ready_at = EXCLUDED.first_ready_at,
                        requires = EXCLUDED.requires, unplaceable_since = NULL, project = EXCLUDED.project,
                        ready_at = EXCLUDED.ready_at, updated_at = EXCLUDED.updated_at
                    WHERE (task.state IN ('SUCCEEDED', 'FAILED', 'CANCELLED') AND EXCLUDED.revision >= task.revision)
                       OR (task.state = 'READY' AND EXCLUDED.revision > task.revision)
                    """)) {
                ps.setString(1, specId);
                ps.setString(2, taskId);
                ps.setString(3, taskReadyJson);
                ps.setString(4, StringMapJson.write(traceContext));
                ps.setInt(5, priority);
                ps.setString(6, StringMapJson.write(labels));
                ps.setString(7, agentProfile);
                ps.setLong(8, estimateSeconds);
                ps.setInt(9, revision);
                ps.setBoolean(10, needsHumanReview);
                ps.setString(11, StringMapJson.write(requires));
                ps.setString(12, project);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /**
     * Locks up to {@code limit} READY tasks that at least one of the given nodes can run, in dispatch order:
     * starving tasks (READY longer than the starvation limit) first, then priority, then fair share across specs
     * (leases the spec got within the fair-share window plus the task's rank within its spec: specs take turns,
     * and a big spec cannot hold the others back), then age. Rows another
     * round has locked are skipped, so concurrent rounds never wait for each other here and never take the same
     * task. Tasks in backoff, of held specs, of blocked profiles, or held for human review are left out.
     *
     * <p>The cost does not grow with the READY backlog: only the first {@code limit} candidates of each (spec,
     * priority) tier are read, in (ready_at, task_id) order from the {@code task_dispatch_tier} index, and ranked.
     * That is enough for the exact order: a task behind {@code limit} candidates of its own tier has at least
     * {@code limit} tasks ahead of it (same priority, older, lower rank in the same spec; older means starving
     * whenever it is), and starving tasks are the oldest of their tier, so they are at the front of it. A task's
     * rank within its spec is its place in its tier plus the candidates of the spec's higher tiers; a higher tier
     * cut off at {@code limit} is counted in full only when a starving task below it needs its exact rank (a
     * non-starving task below a full tier has {@code limit} tasks ahead of it and cannot be taken).
     */
    public List<DispatchableTask> lockDispatchable(List<String> nodeNames, int limit, Exclusions exclusions) {
        if (limit <= 0) {
            return List.of();
        }
        return Jdbc.call(dataSource, "lock dispatchable tasks", c -> {
            // the limit is written into the statement, not bound: the planner needs it to see that each tier gives
            // at most that many rows (a bound limit makes it expect thousands and hash the whole task table).
            // The chosen rows are found again for the lock by the address the tier scan read them at (ctid; same
            // statement and snapshot, so that version is still there): joined by key, the planner took the tier
            // index, which has no task_id prefix, and scanned the spec's whole range, dead entries of leased tasks
            // included, once per task (a 20,000-task drain's rounds grew from 6,000 to 72,000 buffer reads)
            try (PreparedStatement ps = c.prepareStatement("""
                    WITH RECURSIVE arg AS MATERIALIZED (
                        SELECT now() - ? * interval '1 millisecond' AS starving_before, ?::text[] AS held_specs,
                               ?::boolean AS hold_review, ?::text[] AS blocked_profiles),
                    offer AS MATERIALIZED (
                        SELECT DISTINCT labels, agent_profiles FROM node WHERE name = ANY (?)),
                    served AS (
                        SELECT spec_id, count(*) AS n FROM lease
                        WHERE leased_at > now() - ? * interval '1 millisecond' GROUP BY spec_id),
                    tier AS (
                        (SELECT spec_id, priority FROM task WHERE state = 'READY' ORDER BY spec_id, priority LIMIT 1)
                        UNION ALL
                        SELECT following.spec_id, following.priority
                        FROM tier s CROSS JOIN LATERAL (
                            SELECT t.spec_id, t.priority FROM task t
                            WHERE t.state = 'READY' AND (t.spec_id, t.priority) > (s.spec_id, s.priority)
                            ORDER BY t.spec_id, t.priority LIMIT 1) following),
                    pick AS MATERIALIZED (
                        SELECT p.row_id, p.spec_id, p.task_id, p.priority, p.ready_at,
                               p.ready_at < a.starving_before AS starving,
                               row_number() OVER (PARTITION BY p.spec_id, p.priority ORDER BY p.ready_at, p.task_id)
                                   AS tier_rank
                        FROM tier s CROSS JOIN arg a CROSS JOIN LATERAL (
                            SELECT t.ctid AS row_id, t.spec_id, t.task_id, t.priority, t.ready_at FROM task t
                            WHERE t.state = 'READY' AND t.spec_id = s.spec_id AND t.priority = s.priority AND %1$s
                            ORDER BY t.ready_at, t.task_id LIMIT %2$d) p
                        WHERE NOT (s.spec_id = ANY (a.held_specs))),
                    tier_size AS (
                        SELECT spec_id, priority, count(*) AS picked, bool_or(starving) AS has_starving
                        FROM pick GROUP BY spec_id, priority),
                    tier_count AS (
                        SELECT z.spec_id, z.priority,
                               CASE WHEN z.picked < %2$d
                                         OR NOT EXISTS (SELECT 1 FROM tier_size y WHERE y.spec_id = z.spec_id
                                                        AND y.priority < z.priority AND y.has_starving)
                                    THEN z.picked
                                    ELSE (SELECT count(*) FROM task t CROSS JOIN arg a
                                          WHERE t.state = 'READY' AND t.spec_id = z.spec_id
                                            AND t.priority = z.priority AND %1$s) END AS candidates
                        FROM tier_size z),
                    tier_ahead AS (
                        SELECT spec_id, priority,
                               coalesce(sum(candidates) OVER (PARTITION BY spec_id ORDER BY priority DESC
                                                              ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                                   AS ahead
                        FROM tier_count),
                    ranked AS MATERIALIZED (
                        SELECT p.row_id, p.spec_id, p.task_id, p.starving, p.priority, p.ready_at,
                               coalesce(r.n, 0) + h.ahead::bigint + p.tier_rank AS turn
                        FROM pick p
                        JOIN tier_ahead h ON h.spec_id = p.spec_id AND h.priority = p.priority
                        LEFT JOIN served r ON r.spec_id = p.spec_id)
                    SELECT t.spec_id, t.task_id, t.task_ready, t.attempt, t.requires::text AS requires,
                           t.agent_profile, t.estimate_seconds, t.trace_context, t.lease_profile, t.previous_attempt,
                           t.ready_at
                    FROM (SELECT * FROM ranked
                          ORDER BY starving DESC, priority DESC, turn, ready_at, task_id OFFSET 0) c
                    JOIN task t ON t.ctid = c.row_id AND t.spec_id = c.spec_id AND t.task_id = c.task_id
                    WHERE t.state = 'READY'
                    ORDER BY c.starving DESC, c.priority DESC, c.turn, c.ready_at, c.task_id
                    LIMIT %2$d
                    FOR UPDATE OF t SKIP LOCKED
                    """.formatted(DISPATCH_CANDIDATE, limit))) {
                ps.setLong(1, exclusions.starvationMillis());
                ps.setArray(2, c.createArrayOf("text", exclusions.specIds().toArray(String[]::new)));
                ps.setBoolean(3, exclusions.holdHumanReview());
                ps.setArray(
                        4, c.createArrayOf("text", exclusions.blockedProfiles().toArray(String[]::new)));
                ps.setArray(5, c.createArrayOf("text", nodeNames.toArray(String[]::new)));
                ps.setLong(6, exclusions.fairShareWindowMillis());
                List<DispatchableTask> tasks = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        tasks.add(new DispatchableTask(
                                rs.getString("spec_id"),
                                rs.getString("task_id"),
                                rs.getString("task_ready"),
                                rs.getInt("attempt"),
                                StringMapJson.read(rs.getString("requires")),
                                rs.getString("agent_profile"),
                                rs.getLong("estimate_seconds"),
                                StringMapJson.read(rs.getString("trace_context")),
                                rs.getString("lease_profile"),
                                rs.getString("previous_attempt"),
                                Jdbc.instant(rs.getTimestamp("ready_at"))));
                    }
                }
                return tasks;
            }
        });
    }

    /**
     * SQL condition: READY task {@code t} may be dispatched now under the round's arguments {@code a} (not in backoff,
     * not held for review, profile not blocked) to one of the offers of the round's nodes ({@code offer}).
     */
    private static final String DISPATCH_CANDIDATE = """
            (t.not_before IS NULL OR t.not_before <= now())
            AND (NOT a.hold_review OR NOT t.needs_human_review)
            AND NOT (coalesce(t.lease_profile, t.agent_profile, 'default') = ANY (a.blocked_profiles))
            AND ((t.requires = '{}'::jsonb AND coalesce(t.lease_profile, t.agent_profile) IS NULL)
                 OR EXISTS (SELECT 1 FROM offer n WHERE %s))""".formatted(TaskRepository.NODE_OFFERS_TASK);

    /** Moves leased tasks to LEASED with their new lease, token, node and attempt. */
    public void markLeased(List<NewLease> leases, Instant at) {
        Jdbc.call(dataSource, "mark tasks leased", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE task t
                    SET state = 'LEASED', attempt = x.attempt, current_lease_id = x.lease_id,
                        fencing_token = x.fencing_token, node_name = x.node_name, failure_class = NULL, updated_at = ?,
                        not_before = NULL, waiting_reason = NULL, unplaceable_since = NULL
                    FROM unnest(?::text[], ?::text[], ?::uuid[], ?::int8[], ?::text[], ?::int4[])
                         AS x(spec_id, task_id, lease_id, fencing_token, node_name, attempt)
                    WHERE t.spec_id = x.spec_id AND t.task_id = x.task_id
                    """)) {
                ps.setObject(1, Jdbc.utc(at));
                ps.setArray(
                        2,
                        c.createArrayOf(
                                "text", leases.stream().map(NewLease::specId).toArray(String[]::new)));
                ps.setArray(
                        3,
                        c.createArrayOf(
                                "text", leases.stream().map(NewLease::taskId).toArray(String[]::new)));
                ps.setArray(
                        4,
                        c.createArrayOf(
                                "uuid", leases.stream().map(NewLease::id).toArray(UUID[]::new)));
                ps.setArray(
                        5,
                        c.createArrayOf(
                                "int8",
                                leases.stream().map(NewLease::fencingToken).toArray(Long[]::new)));
                ps.setArray(
                        6,
                        c.createArrayOf(
                                "text", leases.stream().map(NewLease::nodeName).toArray(String[]::new)));
                ps.setArray(
                        7,
                        c.createArrayOf(
                                "int4", leases.stream().map(NewLease::attempt).toArray(Integer[]::new)));
                return ps.executeUpdate();
            }
        });
    }

    /** Locks the task and reads its current lease; empty for an unknown task. */
    public Optional<CurrentLease> lockWithCurrentLease(String specId, String taskId) {
        return Jdbc.call(dataSource, "lock task " + specId + "/" + taskId, c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT t.state, t.current_lease_id, t.fencing_token, t.attempt, l.node_name,
                           l.id IS NOT NULL AND l.ended_at IS NULL AS lease_open
                    FROM task t LEFT JOIN lease l ON l.id = t.current_lease_id
                    WHERE t.spec_id = ? AND t.task_id = ?
                    FOR UPDATE OF t
                    """)) {
                ps.setString(1, specId);
                ps.setString(2, taskId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(currentLease(rs));
                }
            }
        });
    }

    /** Locks a task with its current lease; empty for an unknown task. */
    public Optional<TaskRow> lockRow(String specId, String taskId) {
        return Jdbc.call(dataSource, "lock task " + specId + "/" + taskId, c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT t.spec_id, t.task_id, t.state, t.attempt, t.attempt_base, t.revision, t.current_lease_id,
                           t.fencing_token, t.node_name, t.agent_profile, t.lease_profile, t.first_ready_at,
                           t.trace_context, l.id IS NOT NULL AND l.ended_at IS NULL AS lease_open,
                           l.agent_profile AS lease_agent_profile, t.estimate_seconds
                    FROM task t LEFT JOIN lease l ON l.id = t.current_lease_id
                    WHERE t.spec_id = ? AND t.task_id = ?
                    FOR UPDATE OF t
                    """)) {
                ps.setString(1, specId);
                ps.setString(2, taskId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(taskRow(rs));
                }
            }
        });
    }

    private static CurrentLease currentLease(ResultSet rs) throws SQLException {
        return new CurrentLease(
                TaskState.valueOf(rs.getString("state")),
                rs.getObject("current_lease_id", UUID.class),
                rs.getObject("fencing_token", Long.class),
                rs.getInt("attempt"),
                rs.getString("node_name"),
                rs.getBoolean("lease_open"));
    }

    private static TaskRow taskRow(ResultSet rs) throws SQLException {
        return new TaskRow(
                rs.getString("spec_id"),
                rs.getString("task_id"),
                TaskState.valueOf(rs.getString("state")),
                rs.getInt("attempt"),
                rs.getInt("attempt_base"),
                rs.getInt("revision"),
                rs.getObject("current_lease_id", UUID.class),
                rs.getObject("fencing_token", Long.class),
                rs.getString("node_name"),
                rs.getString("agent_profile"),
                rs.getString("lease_profile"),
                Jdbc.instant(rs.getTimestamp("first_ready_at")),
                StringMapJson.read(rs.getString("trace_context")),
                rs.getBoolean("lease_open"),
                rs.getString("lease_agent_profile"),
                rs.getLong("estimate_seconds"));
    }

    /** Back to READY for another attempt after a failure, not before {@code notBefore}. */
    public void requeue(
            String specId,
            String taskId,
            Instant notBefore,
            String leaseProfile,
            String previousJson,
            FailureClass failureClass,
            String detail) {
        execute("""
                UPDATE task SET state = 'READY', not_before = ?, lease_profile = ?, previous_attempt = ?,
                                failure_class = ?, failure_detail = ?, permanent = false, ready_at = now(),
                                updated_at = now(), waiting_reason = NULL
                WHERE spec_id = ? AND task_id = ?
                """, Jdbc.utc(notBefore), leaseProfile, previousJson, failureClass.name(), detail, specId, taskId);
    }

    /** A final state: FAILED (permanent or not), SUCCEEDED, CANCELLED. */
    public void finish(
            String specId,
            String taskId,
            TaskState state,
            FailureClass failureClass,
            String detail,
            boolean permanent) {
        execute(
                """
                UPDATE task SET state = ?, failure_class = ?, failure_detail = ?, permanent = ?, updated_at = now(),
                                not_before = NULL, waiting_reason = NULL, unplaceable_since = NULL
                WHERE spec_id = ? AND task_id = ?
                """,
                state.name(),
                failureClass == null ? null : failureClass.name(),
                detail,
                permanent,
                specId,
                taskId);
    }

    /** An operator's retry: READY again with a fresh attempt budget. */
    public void rearm(String specId, String taskId) {
        execute("""
                UPDATE task SET state = 'READY', attempt_base = attempt, failure_class = NULL, failure_detail = NULL,
                                permanent = false, not_before = NULL, waiting_reason = NULL, first_ready_at = now(),
                                ready_at = now(), updated_at = now(), unplaceable_since = NULL
                WHERE spec_id = ? AND task_id = ?
                """, specId, taskId);
    }

    /** SQL condition: node {@code n} offers what task {@code t} requires (its labels and its agent profile). */
    static final String NODE_OFFERS_TASK = """
            t.requires <@ n.labels
            AND (coalesce(t.lease_profile, t.agent_profile) IS NULL
                 OR cardinality(n.agent_profiles) = 0
                 OR coalesce(t.lease_profile, t.agent_profile) = ANY (n.agent_profiles))""";

    /** Flags READY tasks no node can take (schedule-to-start) and clears the flag of those that can be taken. */
    public int flagUnschedulable(long waitedMillis) {
        return Jdbc.call(dataSource, "flag unschedulable tasks", c -> {
            try (PreparedStatement clear = c.prepareStatement("""
                    UPDATE task t SET waiting_reason = NULL
                    WHERE t.state = 'READY' AND t.waiting_reason IS NOT NULL
                      AND EXISTS (SELECT 1 FROM node n WHERE n.status = 'READY' AND %s)
                    """.formatted(NODE_OFFERS_TASK));
                    PreparedStatement flag = c.prepareStatement("""
                    UPDATE task t SET waiting_reason = 'schedule-to-start: no READY node offers requirements ' || t.requires::text
                               || coalesce(' and agent profile ' || coalesce(t.lease_profile, t.agent_profile), '')
                               || ' (waiting since ' || to_char(t.ready_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ')'
                    WHERE t.state = 'READY' AND t.waiting_reason IS NULL
                      AND t.ready_at < now() - ? * interval '1 millisecond'
                      AND NOT EXISTS (SELECT 1 FROM node n WHERE n.status = 'READY' AND %s)
                    """.formatted(NODE_OFFERS_TASK))) {
                clear.executeUpdate();
                flag.setLong(1, waitedMillis);
                return flag.executeUpdate();
            }
        });
    }

    /**
     * Keeps {@code unplaceable_since} of READY tasks: set when no registered node (any status but DEAD) offers the
     * task's requirements and agent profile, cleared as soon as one does.
     */
    public void trackUnplaceable() {
        Jdbc.call(dataSource, "track unplaceable tasks", c -> {
            try (PreparedStatement clear = c.prepareStatement("""
                    UPDATE task t SET unplaceable_since = NULL
                    WHERE t.state = 'READY' AND t.unplaceable_since IS NOT NULL
                      AND EXISTS (SELECT 1 FROM node n WHERE n.status <> 'DEAD' AND %s)
                    """.formatted(NODE_OFFERS_TASK));
                    PreparedStatement mark = c.prepareStatement("""
                    UPDATE task t SET unplaceable_since = now()
                    WHERE t.state = 'READY' AND t.unplaceable_since IS NULL
                      AND NOT EXISTS (SELECT 1 FROM node n WHERE n.status <> 'DEAD' AND %s)
                    """.formatted(NODE_OFFERS_TASK))) {
                clear.executeUpdate();
                return mark.executeUpdate();
            }
        });
    }

    /** A READY task no registered node has offered to take for the grace period. */
    public record Unplaceable(
            String specId, String taskId, Map<String, String> requires, String profile, Instant since) {}

    /** READY tasks no registered node has offered to take for {@code graceMillis}, locked. */
    public List<Unplaceable> lockUnplaceable(long graceMillis, int max) {
        return Jdbc.call(dataSource, "find unplaceable tasks", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT spec_id, task_id, requires::text AS requires,
                           coalesce(lease_profile, agent_profile) AS effective_profile, unplaceable_since
                    FROM task
                    WHERE state = 'READY' AND unplaceable_since < now() - ? * interval '1 millisecond'
                    ORDER BY unplaceable_since
                    LIMIT ? FOR UPDATE SKIP LOCKED
                    """)) {
                ps.setLong(1, graceMillis);
                ps.setInt(2, max);
                List<Unplaceable> found = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.add(unplaceable(rs));
                    }
                }
                return found;
            }
        });
    }

    /** READY tasks past the schedule-to-close limit, locked. */
    public List<TaskKey> lockReadyPastScheduleToClose(long limitMillis, int max) {
        return Jdbc.call(dataSource, "find tasks past schedule-to-close", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT spec_id, task_id FROM task
                    WHERE state = 'READY' AND first_ready_at < now() - ? * interval '1 millisecond'
                    LIMIT ? FOR UPDATE SKIP LOCKED
                    """)) {
                ps.setLong(1, limitMillis);
                ps.setInt(2, max);
                List<TaskKey> keys = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        keys.add(taskKey(rs));
                    }
                }
                return keys;
            }
        });
    }

    /**
     * Tasks the sweeper resets: LEASED or RUNNING longer than {@code factor} times their effective estimate
     * (deadline / timeout factor), or LEASED/RUNNING without an open lease.
     */
    public List<TaskKey> findStuck(double sweeperFactor, double timeoutFactor, long minLeaseMillis, int max) {
        return Jdbc.call(dataSource, "find stuck tasks", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT t.spec_id, t.task_id FROM task t LEFT JOIN lease l ON l.id = t.current_lease_id
                    WHERE t.state IN ('LEASED', 'RUNNING')
                      AND ((l.id IS NULL OR l.ended_at IS NOT NULL) AND t.updated_at < now() - interval '1 second'
                           OR l.leased_at < now() - greatest(t.estimate_seconds * 1000 * ?, ? * ?) / ? * ?
                                                    * interval '1 millisecond')
                    LIMIT ?
                    """)) {
                ps.setDouble(1, timeoutFactor);
                ps.setLong(2, minLeaseMillis);
                ps.setDouble(3, 1.0);
                ps.setDouble(4, timeoutFactor);
                ps.setDouble(5, sweeperFactor);
                ps.setInt(6, max);
                List<TaskKey> keys = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        keys.add(taskKey(rs));
                    }
                }
                return keys;
            }
        });
    }

    private static Unplaceable unplaceable(ResultSet rs) throws SQLException {
        return new Unplaceable(
                rs.getString("spec_id"),
                rs.getString("task_id"),
                StringMapJson.read(rs.getString("requires")),
                rs.getString("effective_profile"),
                Jdbc.instant(rs.getTimestamp("unplaceable_since")));
    }

    private static TaskKey taskKey(ResultSet rs) throws SQLException {
        return new TaskKey(rs.getString("spec_id"), rs.getString("task_id"));
    }

    /** Tasks by state, for the queue-depth gauge. */
    public Map<String, Long> countByState() {
        return Jdbc.call(dataSource, "count tasks", c -> {
            Map<String, Long> counts = new java.util.HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT CASE WHEN state = 'READY' AND (waiting_reason IS NOT NULL OR not_before > now())
                                THEN 'HELD' ELSE state END AS queue_state, count(*) AS tasks
                    FROM task WHERE state IN ('READY', 'LEASED', 'RUNNING') GROUP BY 1
                    """);
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString("queue_state"), rs.getLong("tasks"));
                }
            }
            return counts;
        });
    }

    private void execute(String sql, Object... parameters) {
        Jdbc.call(dataSource, "update task", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                    ps.setObject(i + 1, parameters[i]);
                }
                return ps.executeUpdate();
            }
        });
    }

    /** Sets the state of a task this transaction has locked. */
    public void setState(String specId, String taskId, TaskState state, FailureClass failureClass) {
        Jdbc.call(dataSource, "set state of " + specId + "/" + taskId, c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE task SET state = ?, failure_class = ?, updated_at = now()
                    WHERE spec_id = ? AND task_id = ?
                    """)) {
                ps.setString(1, state.name());
                if (failureClass == null) {
                    ps.setNull(2, Types.VARCHAR);
                } else {
                    ps.setString(2, failureClass.name());
                }
                ps.setString(3, specId);
                ps.setString(4, taskId);
                return ps.executeUpdate();
            }
        });
    }

    /** Applies the expiry of leases to their (locked) tasks; requeued tasks join the back of the queue. */
    public void applyExpiries(List<Expiry> expiries) {
        if (expiries.isEmpty()) {
            return;
        }
        Jdbc.call(dataSource, "requeue expired tasks", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE task t
                    SET state = x.state, failure_class = x.failure_class, updated_at = now(),
                        ready_at = CASE WHEN x.state = 'READY' THEN now() ELSE t.ready_at END
                    FROM unnest(?::text[], ?::text[], ?::text[], ?::text[]) AS x(spec_id, task_id, state, failure_class)
                    WHERE t.spec_id = x.spec_id AND t.task_id = x.task_id
                    """)) {
                ps.setArray(
                        1,
                        c.createArrayOf(
                                "text", expiries.stream().map(Expiry::specId).toArray(String[]::new)));
                ps.setArray(
                        2,
                        c.createArrayOf(
                                "text", expiries.stream().map(Expiry::taskId).toArray(String[]::new)));
                ps.setArray(
                        3,
                        c.createArrayOf(
                                "text",
                                expiries.stream().map(e -> e.state().name()).toArray(String[]::new)));
                ps.setArray(
                        4,
                        c.createArrayOf(
                                "text",
                                expiries.stream()
                                        .map(e -> e.failureClass().name())
                                        .toArray(String[]::new)));
                return ps.executeUpdate();
            }
        });
    }

    /** Tasks, optionally of one state and one spec, oldest ready first. */
    /**
     * The project of a task, or empty for an unknown one; reads the value only (no entity enters the persistence
     * context, so a change the caller then makes over JDBC is seen by its next read).
     */
    public Optional<String> projectOf(String specId, String taskId) {
        return getEntityManager()
                .createQuery("SELECT t.project FROM Task t WHERE t.specId = ?1 AND t.taskId = ?2", String.class)
                .setParameter(1, specId)
                .setParameter(2, taskId)
                .getResultStream()
                .findFirst();
    }

    public List<Task> list(TaskState state, String specId, Optional<Set<String>> projects, int limit) {
        List<String> conditions = new ArrayList<>();
        Parameters parameters = new Parameters();
        if (projects.isPresent()) {
            // one named parameter per project: a token carries a handful
            List<String> names = new ArrayList<>();
            for (String project : projects.get()) {
                String name = "project" + names.size();
                names.add(":" + name);
                parameters.and(name, project);
            }
            conditions.add(names.isEmpty() ? "1 = 0" : "project in (" + String.join(", ", names) + ")");
        }
        if (state != null) {
            conditions.add("state = :state");
            parameters.and("state", state);
        }
        if (specId != null) {
            conditions.add("specId = :specId");
            parameters.and("specId", specId);
        }
        Sort order = Sort.by("readyAt").and("specId").and("taskId");
        PanacheQuery<Task> query =
                conditions.isEmpty() ? findAll(order) : find(String.join(" and ", conditions), order, parameters);
        return query.page(Page.ofSize(limit)).list();
    }
}
