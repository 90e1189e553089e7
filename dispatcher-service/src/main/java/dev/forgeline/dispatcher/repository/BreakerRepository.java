package dev.forgeline.dispatcher.repository;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.BreakerState;
import io.agroal.api.AgroalDataSource;

/** Circuit breaker rows and the attempt windows they are judged on. */
@ApplicationScoped
public class BreakerRepository {
    /** How far back (in attempts, fleet-wide) windows are looked for. */
    static final int SCAN = 5000;

    private final AgroalDataSource dataSource;

    public BreakerRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A breaker row. */
    public record BreakerRow(
            String scope,
            String key,
            BreakerState state,
            int failures,
            int attempts,
            String reason,
            Instant changedAt,
            long sinceAttempt,
            UUID probeLeaseId) {}

    /**
     * The latest window of each key: up to {@code size} of its most recent breaker-relevant attempts after the
     * breaker's own mark.
     */
    public record Window(String scope, String key, int attempts, int failures, int successes, long lastAttemptId) {}

    public List<BreakerRow> all() {
        return rows("SELECT scope, key, state, failures, attempts, reason, changed_at, since_attempt, probe_lease_id "
                + "FROM breaker ORDER BY scope, key");
    }

    /** Breakers not CLOSED, locked (the dispatch round takes a half-open probe under this lock). */
    public List<BreakerRow> lockNotClosed() {
        return rows("SELECT scope, key, state, failures, attempts, reason, changed_at, since_attempt, probe_lease_id "
                + "FROM breaker WHERE state <> 'CLOSED' ORDER BY scope, key FOR UPDATE");
    }

    public List<Window> windows(int size, int globalSize) {
        return Jdbc.call(dataSource, "read breaker windows", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    WITH recent AS (
                        -- the newest attempts, read backwards along the primary key: a range computed
                        -- from max(id) made the planner scan the whole table, which grows with every attempt
                        SELECT id, spec_id || '/' || task_id AS task, node_name, agent_profile AS profile,
                               breaker_failed, node_failed, profile_failed
                        FROM (SELECT * FROM task_attempt ORDER BY id DESC LIMIT %d) newest
                        WHERE breaker_failed IS NOT NULL),
                    keyed AS (
                        SELECT 'NODE' AS scope, node_name AS key, id, task, node_failed AS failed
                        FROM recent WHERE node_name IS NOT NULL AND node_failed IS NOT NULL
                        UNION ALL SELECT 'PROFILE', profile, id, task, profile_failed
                        FROM recent WHERE profile IS NOT NULL AND profile_failed IS NOT NULL
                        UNION ALL SELECT 'GLOBAL', 'fleet', id, task, breaker_failed FROM recent),
                    ranked AS (
                        SELECT k.*, row_number() OVER (PARTITION BY k.scope, k.key ORDER BY k.id DESC) AS rn
                        FROM keyed k LEFT JOIN breaker b ON b.scope = k.scope AND b.key = k.key
                        WHERE k.id > coalesce(b.since_attempt, 0)),
                    window_rows AS (
                        SELECT * FROM ranked WHERE rn <= CASE WHEN scope = 'GLOBAL' THEN ? ELSE ? END)
                    -- failures count once per task: one task failing again and again is that task's problem,
                    -- the same failure across different tasks is the node's or the profile's
                    SELECT scope, key,
                           count(*) FILTER (WHERE NOT failed) + count(DISTINCT task) FILTER (WHERE failed) AS attempts,
                           count(DISTINCT task) FILTER (WHERE failed) AS failures,
                           count(*) FILTER (WHERE NOT failed) AS successes, max(id) AS last_attempt_id
                    FROM window_rows
                    GROUP BY scope, key
                    """.formatted(SCAN))) {
                ps.setInt(1, globalSize);
                ps.setInt(2, size);
                List<Window> windows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        windows.add(window(rs));
                    }
                }
                return windows;
            }
        });
    }

    public long maxAttemptId() {
        return Jdbc.call(dataSource, "read last attempt", c -> {
            try (PreparedStatement ps =
                            c.prepareStatement("SELECT coalesce(max(id), 0) AS last_attempt_id FROM task_attempt");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong("last_attempt_id");
            }
        });
    }

    public void save(
            String scope,
            String key,
            BreakerState state,
            int failures,
            int attempts,
            String reason,
            long sinceAttempt,
            Instant changedAt) {
        // changed_at is the evaluator's clock, the same instant its event carries: the cool-down is measured
        // from the moment users see, not from the transaction's start
        Jdbc.call(dataSource, "save breaker " + scope + "/" + key, c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO breaker (scope, key, state, failures, attempts, reason, changed_at, since_attempt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (scope, key) DO UPDATE
                    SET state = EXCLUDED.state, failures = EXCLUDED.failures, attempts = EXCLUDED.attempts,
                        reason = EXCLUDED.reason, changed_at = EXCLUDED.changed_at, since_attempt = EXCLUDED.since_attempt,
                        probe_lease_id = NULL
                    """)) {
                ps.setString(1, scope);
                ps.setString(2, key);
                ps.setString(3, state.name());
                ps.setInt(4, failures);
                ps.setInt(5, attempts);
                ps.setString(6, reason);
                ps.setTimestamp(7, Timestamp.from(changedAt));
                ps.setLong(8, sinceAttempt);
                return ps.executeUpdate();
            }
        });
    }

    /** A breaker's probe lease that has ended. */
    public record EndedProbe(String scope, String key, UUID leaseId, String outcome) {}

    /**
     * Frees the probe slot of every HALF_OPEN breaker whose probe lease ended without deciding it: an attempt that
     * failed for a reason that does not point at the breaker's node or profile (a test failure, a cancellation) is
     * no verdict, and another probe may go. Run after the transitions of the same evaluation, which clear the slot of
     * every breaker they change.
     */
    public List<EndedProbe> releaseEndedProbes() {
        return Jdbc.call(dataSource, "release ended breaker probes", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE breaker b SET probe_lease_id = NULL
                    FROM lease l
                    WHERE b.state = 'HALF_OPEN' AND l.id = b.probe_lease_id AND l.ended_at IS NOT NULL
                    RETURNING b.scope, b.key, l.id AS lease_id, l.outcome
                    """);
                    ResultSet rs = ps.executeQuery()) {
                List<EndedProbe> released = new ArrayList<>();
                while (rs.next()) {
                    released.add(new EndedProbe(
                            rs.getString("scope"),
                            rs.getString("key"),
                            rs.getObject("lease_id", UUID.class),
                            rs.getString("outcome")));
                }
                return released;
            }
        });
    }

    /** The breaker's row, locked; empty when it has none (it is CLOSED). */
    public Optional<BreakerRow> lock(String scope, String key) {
        return Jdbc.call(dataSource, "lock breaker " + scope + "/" + key, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT scope, key, state, failures, attempts, reason, changed_at, since_attempt, probe_lease_id "
                            + "FROM breaker WHERE scope = ? AND key = ? FOR UPDATE")) {
                ps.setString(1, scope);
                ps.setString(2, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(breakerRow(rs)) : Optional.<BreakerRow>empty();
                }
            }
        });
    }

    public void setProbe(String scope, String key, UUID leaseId) {
        Jdbc.call(dataSource, "set breaker probe", c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE breaker SET probe_lease_id = ? WHERE scope = ? AND key = ?")) {
                ps.setObject(1, leaseId);
                ps.setString(2, scope);
                ps.setString(3, key);
                return ps.executeUpdate();
            }
        });
    }

    private List<BreakerRow> rows(String sql) {
        return Jdbc.call(dataSource, "read breakers", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql);
                    ResultSet rs = ps.executeQuery()) {
                List<BreakerRow> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(breakerRow(rs));
                }
                return rows;
            }
        });
    }

    private static BreakerRow breakerRow(ResultSet rs) throws SQLException {
        return new BreakerRow(
                rs.getString("scope"),
                rs.getString("key"),
                BreakerState.valueOf(rs.getString("state")),
                rs.getInt("failures"),
                rs.getInt("attempts"),
                rs.getString("reason"),
                Jdbc.instant(rs.getTimestamp("changed_at")),
                rs.getLong("since_attempt"),
                rs.getObject("probe_lease_id", UUID.class));
    }

    private static Window window(ResultSet rs) throws SQLException {
        return new Window(
                rs.getString("scope"),
                rs.getString("key"),
                rs.getInt("attempts"),
                rs.getInt("failures"),
                rs.getInt("successes"),
                rs.getLong("last_attempt_id"));
    }
}
