package dev.forgeline.dispatcher.repository;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.dispatcher.cluster.WorkerPodScaler;
import dev.forgeline.dispatcher.cluster.WorkerPodScaler.Backlog;
import dev.forgeline.dispatcher.cluster.WorkerPodScaler.NodeState;
import io.agroal.api.AgroalDataSource;

/** Reads what the pod scaler needs: leasable READY tasks, free slots, and the cluster nodes. */
@ApplicationScoped
public class BacklogRepository {
    private final AgroalDataSource dataSource;

    public BacklogRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Backlog read() {
        return Jdbc.call(dataSource, "read the backlog", c -> {
            int ready;
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT count(*) AS ready FROM task t
                    WHERE t.state = 'READY' AND (t.not_before IS NULL OR t.not_before <= now())
                      AND NOT EXISTS (SELECT 1 FROM dispatch_gate g
                                      WHERE (g.expires_at IS NULL OR g.expires_at > now())
                                        AND (g.name IN ('PAUSE', 'BUDGET_DAY') OR g.spec_id = t.spec_id))
                    """);
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                ready = rs.getInt("ready");
            }
            int free = 0;
            List<NodeState> nodes = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT name, status, active_leases, capacity FROM node");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    NodeState node = new NodeState(
                            rs.getString("name"),
                            rs.getString("status"),
                            rs.getInt("active_leases"),
                            rs.getInt("capacity"));
                    nodes.add(node);
                    if ("READY".equals(node.status())) {
                        free += Math.max(0, node.capacity() - node.activeLeases());
                    }
                }
            }
            return new Backlog(ready, free, WorkerPodScaler.byName(nodes));
        });
    }
}
