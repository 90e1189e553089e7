package dev.forgeline.dispatcher.repository;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.dispatcher.domain.Lease;
import dev.forgeline.dispatcher.domain.LeaseOutcome;
import dev.forgeline.dispatcher.mapping.StringMapJson;
import io.agroal.api.AgroalDataSource;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;

/** Leases. Reads go through Panache; writes are set-based SQL. */
@ApplicationScoped
public class LeaseRepository implements PanacheRepositoryBase<Lease, UUID> {
    private final AgroalDataSource dataSource;

    public LeaseRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A lease about to be granted. */
    public record NewLease(
            UUID id,
            String specId,
            String taskId,
            String nodeName,
            long fencingToken,
            int attempt,
            Instant leasedAt,
            Instant deadline,
            String agentProfile) {}

    /**
     * An open lease past its deadline or without a recent heartbeat, locked with its task.
     *
     * @param attemptsUsed leases the task got since it last became READY from outside
     * @param traceContext the trace context the task arrived with
     */
    public record ExpiredLease(
            UUID id,
            String specId,
            String taskId,
            String nodeName,
            long fencingToken,
            int attempt,
            int attemptsUsed,
            LeaseOutcome outcome,
            Instant lastSignOfLife,
            Instant deadline,
            Map<String, String> traceContext,
            String cause) {}

    /** {@code count} new fencing tokens, ascending. */
    public long[] nextFencingTokens(int count) {
        return Jdbc.call(dataSource, "draw fencing tokens", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT nextval('fencing_token_seq') AS fencing_token FROM generate_series(1, ?)")) {
                ps.setInt(1, count);
                long[] tokens = new long[count];
                int i = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        tokens[i++] = rs.getLong("fencing_token");
                    }
                }
                if (i != count) {
                    throw new IllegalStateException("asked for " + count + " fencing tokens, got " + i);
                }
                java.util.Arrays.sort(tokens);
                return tokens;
            }
        });
    }

    public void insertAll(List<NewLease> leases) {
        if (leases.isEmpty()) {
            return;
        }
        Jdbc.call(dataSource, "insert leases", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO lease (id, spec_id, task_id, node_name, fencing_token, attempt, leased_at, deadline,
                                       agent_profile)
                    SELECT x.id, x.spec_id, x.task_id, x.node_name, x.fencing_token, x.attempt,
                           timestamptz 'epoch' + x.leased_micros * interval '1 microsecond',
                           timestamptz 'epoch' + x.deadline_micros * interval '1 microsecond', x.agent_profile
                    FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::int8[], ?::int4[], ?::int8[], ?::int8[],
                                ?::text[])
                         AS x(id, spec_id, task_id, node_name, fencing_token, attempt, leased_micros, deadline_micros,
                              agent_profile)
                    """)) {
                ps.setArray(
                        1,
                        c.createArrayOf(
                                "uuid", leases.stream().map(NewLease::id).toArray(UUID[]::new)));
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
                                "text", leases.stream().map(NewLease::nodeName).toArray(String[]::new)));
                ps.setArray(
                        5,
                        c.createArrayOf(
                                "int8",
                                leases.stream().map(NewLease::fencingToken).toArray(Long[]::new)));
                ps.setArray(
                        6,
                        c.createArrayOf(
                                "int4", leases.stream().map(NewLease::attempt).toArray(Integer[]::new)));
                ps.setArray(
                        7,
                        c.createArrayOf(
                                "int8",
                                leases.stream()
                                        .map(l -> Jdbc.epochMicros(l.leasedAt()))
                                        .toArray(Long[]::new)));
                ps.setArray(
                        8,
                        c.createArrayOf(
                                "int8",
                                leases.stream()
                                        .map(l -> Jdbc.epochMicros(l.deadline()))
                                        .toArray(Long[]::new)));
                ps.setArray(
                        9,
                        c.createArrayOf(
                                "text",
                                leases.stream().map(NewLease::agentProfile).toArray(String[]::new)));
                return ps.executeUpdate();
            }
        });
    }

    public void recordHeartbeat(UUID leaseId) {
        Jdbc.call(dataSource, "record heartbeat of lease " + leaseId, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE lease SET last_heartbeat_at = now() WHERE id = ?")) {
                ps.setObject(1, leaseId);
                return ps.executeUpdate();
            }
        });
    }

    /** Ends one lease; the end time is taken when the statement runs, before the commit that frees the slot. */
    public void end(UUID leaseId, LeaseOutcome outcome) {
        Jdbc.call(dataSource, "end lease " + leaseId, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE lease SET ended_at = clock_timestamp(), outcome = ? WHERE id = ? AND ended_at IS NULL")) {
                ps.setString(1, outcome.name());
                ps.setObject(2, leaseId);
                return ps.executeUpdate();
            }
        });
    }

    public void endAll(List<ExpiredLease> expired) {
        if (expired.isEmpty()) {
            return;
        }
        Jdbc.call(dataSource, "end expired leases", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE lease l SET ended_at = clock_timestamp(), outcome = x.outcome
                    FROM unnest(?::uuid[], ?::text[]) AS x(id, outcome)
                    WHERE l.id = x.id AND l.ended_at IS NULL
                    """)) {
                ps.setArray(
                        1,
                        c.createArrayOf(
                                "uuid", expired.stream().map(ExpiredLease::id).toArray(UUID[]::new)));
                ps.setArray(
                        2,
                        c.createArrayOf(
                                "text",
                                expired.stream().map(e -> e.outcome().name()).toArray(String[]::new)));
                return ps.executeUpdate();
            }
        });
    }

    /**
     * Locks up to {@code limit} open leases that are past their deadline (TIMEOUT) or have shown no sign of life
     * for {@code orphanAfter} (ORPHANED), together with their tasks. Rows locked by a heartbeat or result being
     * applied right now are skipped; the next pass sees them again.
     */
    public List<ExpiredLease> lockExpired(Duration orphanAfter, int limit) {
        return Jdbc.call(dataSource, "lock expired leases", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT l.id, l.spec_id, l.task_id, l.node_name, l.fencing_token, l.attempt,
                           t.attempt - t.attempt_base AS attempts_used, l.deadline < now() AS past_deadline,
                           greatest(l.last_heartbeat_at, l.leased_at) AS last_sign_of_life, l.deadline, t.trace_context,
                           CASE WHEN l.deadline < now() THEN 'start-to-close'
                                WHEN n.status = 'DEAD' THEN 'node-dead'
                                WHEN n.instance_started_at IS NOT NULL AND l.leased_at < n.instance_started_at
                                     THEN 'instance-restarted'
                                ELSE 'heartbeat' END AS cause
                    FROM lease l
                    JOIN task t ON t.spec_id = l.spec_id AND t.task_id = l.task_id AND t.current_lease_id = l.id
                    LEFT JOIN node n ON n.name = l.node_name
                    WHERE l.ended_at IS NULL
                      AND (l.deadline < now()
                           OR greatest(l.last_heartbeat_at, l.leased_at) < now() - ? * interval '1 millisecond'
                           OR n.status = 'DEAD'
                           OR (n.instance_started_at IS NOT NULL AND l.leased_at < n.instance_started_at))
                    ORDER BY l.leased_at
                    LIMIT ?
                    FOR UPDATE OF l, t SKIP LOCKED
                    """)) {
                ps.setLong(1, orphanAfter.toMillis());
                ps.setInt(2, limit);
                List<ExpiredLease> expired = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        expired.add(expiredLease(rs));
                    }
                }
                return expired;
            }
        });
    }

    private static ExpiredLease expiredLease(ResultSet rs) throws SQLException {
        return new ExpiredLease(
                rs.getObject("id", UUID.class),
                rs.getString("spec_id"),
                rs.getString("task_id"),
                rs.getString("node_name"),
                rs.getLong("fencing_token"),
                rs.getInt("attempt"),
                rs.getInt("attempts_used"),
                rs.getBoolean("past_deadline") ? LeaseOutcome.TIMEOUT : LeaseOutcome.ORPHANED,
                Jdbc.instant(rs.getTimestamp("last_sign_of_life")),
                Jdbc.instant(rs.getTimestamp("deadline")),
                StringMapJson.read(rs.getString("trace_context")),
                rs.getString("cause"));
    }

    /** The spec a lease belongs to, for heartbeats whose envelope does not name it. */
    public String specIdOf(UUID leaseId) {
        return Jdbc.call(dataSource, "find lease " + leaseId, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT spec_id FROM lease WHERE id = ?")) {
                ps.setObject(1, leaseId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString("spec_id") : null;
                }
            }
        });
    }

    /** Every lease of a task, oldest first. */
    public List<Lease> history(String specId, String taskId) {
        return list("specId = ?1 and taskId = ?2", Sort.by("fencingToken"), specId, taskId);
    }
}
