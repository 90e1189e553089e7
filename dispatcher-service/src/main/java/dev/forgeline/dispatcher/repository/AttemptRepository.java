package dev.forgeline.dispatcher.repository;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.dispatcher.model.AttemptView;
import io.agroal.api.AgroalDataSource;

/** The task_attempt history: every finished attempt with the decision taken about it. */
@ApplicationScoped
public class AttemptRepository {
    private final AgroalDataSource dataSource;

    public AttemptRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * A finished attempt to record.
     *
     * @param nodeFailed    for the node breaker: true = a failure that points at the node, false = a success, null =
     *                      not counted
     * @param profileFailed the same for the agent profile's breaker
     */
    public record NewAttempt(
            String specId,
            String taskId,
            int attempt,
            UUID leaseId,
            String nodeName,
            String agentProfile,
            Long fencingToken,
            String outcome,
            FailureClass failureClass,
            String detail,
            String decision,
            String nextProfile,
            Instant retryAt,
            Boolean nodeFailed,
            Boolean profileFailed) {
        /** The fleet breaker's view: a failure of a node or a profile, a success, or null when neither counts. */
        Boolean fleetFailed() {
            if (nodeFailed == null && profileFailed == null) {
                return null;
            }
            return Boolean.TRUE.equals(nodeFailed) || Boolean.TRUE.equals(profileFailed);
        }
    }

    public void insert(NewAttempt a) {
        Jdbc.call(dataSource, "record attempt of " + a.specId() + "/" + a.taskId(), c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO task_attempt (spec_id, task_id, attempt, lease_id, node_name, agent_profile, fencing_token,
                                              outcome, failure_class, detail, decision, next_profile, retry_at,
                                              breaker_failed, node_failed, profile_failed)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)) {
                ps.setString(1, a.specId());
                ps.setString(2, a.taskId());
                ps.setInt(3, a.attempt());
                ps.setObject(4, a.leaseId());
                ps.setString(5, a.nodeName());
                ps.setString(6, a.agentProfile());
                if (a.fencingToken() == null) {
                    ps.setNull(7, java.sql.Types.BIGINT);
                } else {
                    ps.setLong(7, a.fencingToken());
                }
                ps.setString(8, a.outcome());
                ps.setString(
                        9, a.failureClass() == null ? null : a.failureClass().name());
                ps.setString(10, a.detail());
                ps.setString(11, a.decision());
                ps.setString(12, a.nextProfile());
                ps.setTimestamp(13, a.retryAt() == null ? null : Timestamp.from(a.retryAt()));
                ps.setObject(14, a.fleetFailed(), java.sql.Types.BOOLEAN);
                ps.setObject(15, a.nodeFailed(), java.sql.Types.BOOLEAN);
                ps.setObject(16, a.profileFailed(), java.sql.Types.BOOLEAN);
                return ps.executeUpdate();
            }
        });
    }

    /** Retries already granted for a class since the task's attempt base (attempts after it). */
    /** Retries decided so far in the task's current request (attempts after {@code afterAttempt}), per class. */
    public Map<FailureClass, Integer> retriesByClass(String specId, String taskId, int afterAttempt) {
        return Jdbc.call(dataSource, "count retries", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT failure_class, count(*) AS retries FROM task_attempt
                    WHERE spec_id = ? AND task_id = ? AND attempt > ? AND decision = 'RETRY'
                      AND failure_class IS NOT NULL
                    GROUP BY failure_class
                    """)) {
                ps.setString(1, specId);
                ps.setString(2, taskId);
                ps.setInt(3, afterAttempt);
                Map<FailureClass, Integer> retries = new EnumMap<>(FailureClass.class);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        retries.put(FailureClass.valueOf(rs.getString("failure_class")), rs.getInt("retries"));
                    }
                }
                return retries;
            }
        });
    }

    public List<AttemptView> history(String specId, String taskId) {
        return Jdbc.call(dataSource, "read attempts", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT attempt, lease_id, node_name, agent_profile, fencing_token, outcome, failure_class, detail,
                           decision, next_profile, retry_at, ended_at
                    FROM task_attempt WHERE spec_id = ? AND task_id = ? ORDER BY id
                    """)) {
                ps.setString(1, specId);
                ps.setString(2, taskId);
                List<AttemptView> attempts = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        attempts.add(attemptView(rs));
                    }
                }
                return attempts;
            }
        });
    }

    private static AttemptView attemptView(ResultSet rs) throws SQLException {
        String failureClass = rs.getString("failure_class");
        return new AttemptView(
                rs.getInt("attempt"),
                rs.getObject("lease_id", UUID.class),
                rs.getString("node_name"),
                rs.getString("agent_profile"),
                rs.getObject("fencing_token", Long.class),
                rs.getString("outcome"),
                failureClass == null ? null : FailureClass.valueOf(failureClass),
                rs.getString("detail"),
                rs.getString("decision"),
                rs.getString("next_profile"),
                Jdbc.instant(rs.getTimestamp("retry_at")),
                Jdbc.instant(rs.getTimestamp("ended_at")));
    }
}
