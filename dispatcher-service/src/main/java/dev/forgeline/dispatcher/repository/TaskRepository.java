package dev.forgeline.dispatcher.repository;

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
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Tasks. Reads go through Panache; every state change is one set-based statement. */
@ApplicationScoped
public class TaskRepository implements PanacheRepositoryBase<Task, TaskKey> {
    private final AgroalDataSource dataSource;

    public TaskRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A READY task locked by the current dispatch round. */
    public record DispatchableTask(String specId, String taskId, String taskReadyJson, int attempt,
            Map<String, String> labels, String agentProfile, long estimateSeconds, Map<String, String> traceContext) {
    }

    /** A task locked together with its current (or last) lease, to judge a heartbeat or a result. */
    public record CurrentLease(TaskState state, UUID leaseId, Long fencingToken, int attempt, String nodeName,
            boolean leaseOpen) {
        public boolean isHeldBy(UUID claimedLease, long claimedToken) {
            return leaseOpen && fencingToken != null && fencingToken == claimedToken
                    && (claimedLease == null || claimedLease.equals(leaseId))
                    && (state == TaskState.LEASED || state == TaskState.RUNNING);
        }
    }

    /** What an expired lease does to its task: back to READY, or FAILED when out of attempts. */
    public record Expiry(String specId, String taskId, TaskState state, FailureClass failureClass) {
    }

    /**
     * Inserts a READY task, or re-arms one that has finished (a new request for it). A task still READY, LEASED
     * or RUNNING is left alone: the event is a duplicate.
     *
     * @return true if the task is now READY because of this call
     */
    public boolean insertReady(String specId, String taskId, String taskReadyJson, int priority,
            Map<String, String> labels, String agentProfile, long estimateSeconds, Map<String, String> traceContext) {
        return Jdbc.call(dataSource, "insert task " + specId + "/" + taskId, c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO task (spec_id, task_id, task_ready, trace_context, state, attempt, attempt_base, priority,
                                      labels, agent_profile, estimate_seconds, ready_at, updated_at)
                    VALUES (?, ?, ?, ?, 'READY', 0, 0, ?, ?::jsonb, ?, ?, now(), now())
                    ON CONFLICT (spec_id, task_id) DO UPDATE
                    SET task_ready = EXCLUDED.task_ready, trace_context = EXCLUDED.trace_context, state = 'READY',
                        attempt_base = task.attempt,
                        priority = EXCLUDED.priority, labels = EXCLUDED.labels, agent_profile = EXCLUDED.agent_profile,
                        estimate_seconds = EXCLUDED.estimate_seconds, failure_class = NULL,
                        ready_at = EXCLUDED.ready_at, updated_at = EXCLUDED.updated_at
                    WHERE task.state IN ('SUCCEEDED', 'FAILED')
                    """)) {
                ps.setString(1, specId);
                ps.setString(2, taskId);
                ps.setString(3, taskReadyJson);
                ps.setString(4, StringMapJson.write(traceContext));
                ps.setInt(5, priority);
                ps.setString(6, StringMapJson.write(labels));
                ps.setString(7, agentProfile);
                ps.setLong(8, estimateSeconds);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /**
     * Locks up to {@code limit} READY tasks, highest priority and oldest first, that at least one of the given
     * nodes can run. Rows another round has locked are skipped, so concurrent rounds never wait for each other
     * here and never take the same task. Tasks are matched against the distinct (labels, profiles) offers of the
     * nodes, usually a handful however many nodes there are.
     */
    public List<DispatchableTask> lockDispatchable(List<String> nodeNames, int limit) {
        return Jdbc.call(dataSource, "lock dispatchable tasks", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    WITH offer AS MATERIALIZED (
                        SELECT DISTINCT labels, agent_profiles FROM node WHERE name = ANY (?))
                    SELECT t.spec_id, t.task_id, t.task_ready, t.attempt, t.labels::text, t.agent_profile,
                           t.estimate_seconds, t.trace_context
                    FROM task t
                    WHERE t.state = 'READY'
                      AND ((t.labels = '{}'::jsonb AND t.agent_profile IS NULL)
                           OR EXISTS (SELECT 1 FROM offer n
                                      WHERE t.labels <@ n.labels
                                        AND (t.agent_profile IS NULL OR cardinality(n.agent_profiles) = 0
                                             OR t.agent_profile = ANY (n.agent_profiles))))
                    ORDER BY t.priority DESC, t.ready_at
                    LIMIT ?
                    FOR UPDATE OF t SKIP LOCKED
                    """)) {
                ps.setArray(1, c.createArrayOf("text", nodeNames.toArray(String[]::new)));
                ps.setInt(2, limit);
                List<DispatchableTask> tasks = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        tasks.add(new DispatchableTask(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4),
                                StringMapJson.read(rs.getString(5)), rs.getString(6), rs.getLong(7),
                                StringMapJson.read(rs.getString(8))));
                    }
                }
                return tasks;
            }
        });
    }

    /** Moves leased tasks to LEASED with their new lease, token, node and attempt. */
    public void markLeased(List<NewLease> leases, Instant at) {
        Jdbc.call(dataSource, "mark tasks leased", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE task t
                    SET state = 'LEASED', attempt = x.attempt, current_lease_id = x.lease_id,
                        fencing_token = x.fencing_token, node_name = x.node_name, failure_class = NULL, updated_at = ?
                    FROM unnest(?::text[], ?::text[], ?::uuid[], ?::int8[], ?::text[], ?::int4[])
                         AS x(spec_id, task_id, lease_id, fencing_token, node_name, attempt)
                    WHERE t.spec_id = x.spec_id AND t.task_id = x.task_id
                    """)) {
                ps.setObject(1, Jdbc.utc(at));
                ps.setArray(2, c.createArrayOf("text", leases.stream().map(NewLease::specId).toArray(String[]::new)));
                ps.setArray(3, c.createArrayOf("text", leases.stream().map(NewLease::taskId).toArray(String[]::new)));
                ps.setArray(4, c.createArrayOf("uuid", leases.stream().map(NewLease::id).toArray(UUID[]::new)));
                ps.setArray(5, c.createArrayOf("int8", leases.stream().map(NewLease::fencingToken).toArray(Long[]::new)));
                ps.setArray(6, c.createArrayOf("text", leases.stream().map(NewLease::nodeName).toArray(String[]::new)));
                ps.setArray(7, c.createArrayOf("int4", leases.stream().map(NewLease::attempt).toArray(Integer[]::new)));
                return ps.executeUpdate();
            }
        });
    }

    /** Locks the task and reads its current lease; empty for an unknown task. */
    public Optional<CurrentLease> lockWithCurrentLease(String specId, String taskId) {
        return Jdbc.call(dataSource, "lock task " + specId + "/" + taskId, c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT t.state, t.current_lease_id, t.fencing_token, t.attempt, l.node_name,
                           l.id IS NOT NULL AND l.ended_at IS NULL
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
                    long token = rs.getLong(3);
                    Long fencingToken = rs.wasNull() ? null : token;
                    return Optional.of(new CurrentLease(TaskState.valueOf(rs.getString(1)), rs.getObject(2, UUID.class),
                            fencingToken, rs.getInt(4), rs.getString(5), rs.getBoolean(6)));
                }
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
                ps.setArray(1, c.createArrayOf("text", expiries.stream().map(Expiry::specId).toArray(String[]::new)));
                ps.setArray(2, c.createArrayOf("text", expiries.stream().map(Expiry::taskId).toArray(String[]::new)));
                ps.setArray(3, c.createArrayOf("text", expiries.stream().map(e -> e.state().name()).toArray(String[]::new)));
                ps.setArray(4, c.createArrayOf("text",
                        expiries.stream().map(e -> e.failureClass().name()).toArray(String[]::new)));
                return ps.executeUpdate();
            }
        });
    }

    /** Tasks, optionally of one state and one spec, oldest ready first. */
    public List<Task> list(TaskState state, String specId, int limit) {
        List<String> conditions = new ArrayList<>();
        Parameters parameters = new Parameters();
        if (state != null) {
            conditions.add("state = :state");
            parameters.and("state", state);
        }
        if (specId != null) {
            conditions.add("specId = :specId");
            parameters.and("specId", specId);
        }
        Sort order = Sort.by("readyAt").and("specId").and("taskId");
        PanacheQuery<Task> query = conditions.isEmpty()
                ? findAll(order)
                : find(String.join(" and ", conditions), order, parameters);
        return query.page(Page.ofSize(limit)).list();
    }
}
