package dev.forgeline.dispatcher.cluster;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.dispatcher.cluster.WorkerPodScaler.Backlog;
import dev.forgeline.dispatcher.cluster.WorkerPodScaler.NodeState;
import io.agroal.api.AgroalDataSource;

/** Reads what the pod scaler needs: leasable READY tasks, free slots, and the cluster nodes. */
@ApplicationScoped
public class BacklogReader {
    private final AgroalDataSource dataSource;

    public BacklogReader(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Backlog read() {
        try (Connection c = dataSource.getConnection()) {
            int ready;
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT count(*) FROM task t
                    WHERE t.state = 'READY' AND (t.not_before IS NULL OR t.not_before <= now())
                      AND NOT EXISTS (SELECT 1 FROM dispatch_gate g
                                      WHERE (g.expires_at IS NULL OR g.expires_at > now())
                                        AND (g.name IN ('PAUSE', 'BUDGET_DAY') OR g.spec_id = t.spec_id))
                    """);
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                ready = rs.getInt(1);
            }
            int free;
            List<NodeState> nodes = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT name, status, active_leases, capacity FROM node");
                    ResultSet rs = ps.executeQuery()) {
                free = 0;
                while (rs.next()) {
                    NodeState node = new NodeState(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getInt(4));
                    nodes.add(node);
                    if ("READY".equals(node.status())) {
                        free += Math.max(0, node.capacity() - node.activeLeases());
                    }
                }
            }
            return new Backlog(ready, free, WorkerPodScaler.byName(nodes));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the backlog: " + e.getMessage(), e);
        }
    }
}
