package dev.forgeline.dispatcher;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/** Direct reads of the dispatcher's tables, to check invariants the REST views do not show. */
final class Db {
    /** An open lease. */
    record LeaseRow(UUID id, String specId, String taskId, String nodeName, long fencingToken, int attempt) {}

    /** A node whose open leases exceed its capacity at the moment of the query. */
    record NodeLoad(String nodeName, int capacity, int openLeases, int activeLeases) {}

    private final DataSource dataSource;

    Db(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    List<LeaseRow> openLeasesOfNode(String nodeName) {
        return leases(
                "SELECT id, spec_id, task_id, node_name, fencing_token, attempt FROM lease "
                        + "WHERE node_name = ? AND ended_at IS NULL ORDER BY fencing_token",
                nodeName);
    }

    List<LeaseRow> openLeasesOfSpec(String specId) {
        return leases(
                "SELECT id, spec_id, task_id, node_name, fencing_token, attempt FROM lease "
                        + "WHERE spec_id = ? AND ended_at IS NULL ORDER BY fencing_token",
                specId);
    }

    Optional<LeaseRow> openLease(String specId, String taskId) {
        return openLeasesOfSpec(specId).stream()
                .filter(l -> l.taskId().equals(taskId))
                .findFirst();
    }

    int countTasks(String specId, String state) {
        return queryInt("SELECT count(*) FROM task WHERE spec_id = ? AND state = ?", specId, state);
    }

    int countFinishedTasks(String specId) {
        return queryInt("SELECT count(*) FROM task WHERE spec_id = ? AND state IN ('SUCCEEDED', 'FAILED')", specId);
    }

    int distinctLeasedTasks(String specId) {
        return queryInt("SELECT count(DISTINCT task_id) FROM lease WHERE spec_id = ?", specId);
    }

    int countLeases(String specId) {
        return queryInt("SELECT count(*) FROM lease WHERE spec_id = ?", specId);
    }

    int outboxRows(String recordKey) {
        return queryInt("SELECT count(*) FROM outbox_event WHERE record_key = ?", recordKey);
    }

    /**
     * The most leases a node ever held at once, from the lease history: at the start of each lease, count the
     * leases that had started and not yet ended.
     */
    int maxConcurrentLeases(String nodeName) {
        return queryInt("""
                SELECT coalesce(max(open_at_start), 0) FROM (
                    SELECT l1.id, count(*) AS open_at_start
                    FROM lease l1
                    JOIN lease l2 ON l2.node_name = l1.node_name
                                 AND l2.leased_at <= l1.leased_at
                                 AND (l2.ended_at IS NULL OR l2.ended_at > l1.leased_at)
                    WHERE l1.node_name = ?
                    GROUP BY l1.id) per_lease
                """, nodeName);
    }

    /** Tasks of a spec that ever had two leases open at the same time, from the lease history. */
    int tasksWithOverlappingLeases(String specId) {
        return queryInt("""
                SELECT count(DISTINCT l1.task_id)
                FROM lease l1
                JOIN lease l2 ON l2.spec_id = l1.spec_id AND l2.task_id = l1.task_id AND l2.id <> l1.id
                             AND l2.leased_at <= l1.leased_at
                             AND (l2.ended_at IS NULL OR l2.ended_at > l1.leased_at)
                WHERE l1.spec_id = ?
                """, specId);
    }

    /** Nodes (by name prefix) holding more open leases than their capacity, or whose counter disagrees. */
    List<NodeLoad> overbookedNodes(String namePrefix) {
        List<NodeLoad> overbooked = new ArrayList<>();
        for (NodeLoad load : loads(namePrefix)) {
            if (load.openLeases() > load.capacity() || load.activeLeases() > load.capacity()) {
                overbooked.add(load);
            }
        }
        return overbooked;
    }

    List<NodeLoad> loads(String namePrefix) {
        return query(
                """
                SELECT n.name, n.capacity, count(l.id), n.active_leases
                FROM node n LEFT JOIN lease l ON l.node_name = n.name AND l.ended_at IS NULL
                WHERE n.name LIKE ?
                GROUP BY n.name, n.capacity, n.active_leases
                ORDER BY n.name
                """, rs -> new NodeLoad(rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getInt(4)), namePrefix + "%");
    }

    /** Tasks of a spec with more than one open lease right now. */
    int tasksWithTwoOpenLeases(String specId) {
        return queryInt("""
                SELECT count(*) FROM (
                    SELECT task_id FROM lease WHERE spec_id = ? AND ended_at IS NULL
                    GROUP BY task_id HAVING count(*) > 1) doubled
                """, specId);
    }

    /** Runs a statement outside the application, to stage a state the application would not produce. */
    int execute(String sql, Object... parameters) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setObject(i + 1, parameters[i]);
            }
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Leases of a spec in the order they were granted (by token): task id per lease. */
    List<String> leaseOrder(String specPrefix) {
        return query(
                "SELECT task_id FROM lease WHERE spec_id LIKE ? ORDER BY fencing_token",
                rs -> rs.getString(1),
                specPrefix + "%");
    }

    /** Leases granted to a node in a time range. */
    int leasesOfNodeBetween(String nodeName, java.time.Instant from, java.time.Instant to) {
        return queryInt(
                "SELECT count(*) FROM lease WHERE node_name = ? AND leased_at > ? AND leased_at < ?",
                nodeName,
                java.sql.Timestamp.from(from),
                java.sql.Timestamp.from(to));
    }

    /** Leases granted to a node after a given time. */
    int leasesOfNodeSince(String nodeName, java.time.Instant since) {
        return queryInt(
                "SELECT count(*) FROM lease WHERE node_name = ? AND leased_at > ?",
                nodeName,
                java.sql.Timestamp.from(since));
    }

    private List<LeaseRow> leases(String sql, String parameter) {
        return query(
                sql,
                rs -> new LeaseRow(
                        rs.getObject(1, UUID.class),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getLong(5),
                        rs.getInt(6)),
                parameter);
    }

    private int queryInt(String sql, Object... parameters) {
        return query(sql, rs -> rs.getInt(1), parameters).get(0);
    }

    private interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private <T> List<T> query(String sql, Row<T> row, Object... parameters) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setObject(i + 1, parameters[i]);
            }
            List<T> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(row.read(rs));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }
}
