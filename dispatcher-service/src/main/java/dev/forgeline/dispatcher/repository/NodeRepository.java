package dev.forgeline.dispatcher.repository;

import dev.forgeline.dispatcher.domain.Node;
import dev.forgeline.dispatcher.mapping.StringMapJson;
import io.agroal.api.AgroalDataSource;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Nodes. Reads go through Panache; writes are single statements that lock node rows in name order, so
 * transactions that lock several nodes (dispatch round, supervisor) cannot deadlock with each other.
 */
@ApplicationScoped
public class NodeRepository implements PanacheRepositoryBase<Node, String> {
    private final AgroalDataSource dataSource;

    public NodeRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** An ACTIVE node with free slots, locked until the end of the current transaction. */
    public record FreeNode(String name, int capacity, int activeLeases, Map<String, String> labels,
            Set<String> agentProfiles) {
        public int freeSlots() {
            return capacity - activeLeases;
        }
    }

    /** Registers a node or updates its capacity, labels and profiles; open leases keep counting. */
    public void upsert(String name, int capacity, Map<String, String> labels, List<String> agentProfiles) {
        Jdbc.call(dataSource, "register node " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO node (name, capacity, labels, agent_profiles, status, active_leases, registered_at, last_seen_at)
                    VALUES (?, ?, ?::jsonb, ?, 'ACTIVE', 0, now(), now())
                    ON CONFLICT (name) DO UPDATE
                    SET capacity = EXCLUDED.capacity, labels = EXCLUDED.labels, agent_profiles = EXCLUDED.agent_profiles,
                        status = 'ACTIVE', last_seen_at = now()
                    """)) {
                ps.setString(1, name);
                ps.setInt(2, capacity);
                ps.setString(3, StringMapJson.write(labels));
                ps.setArray(4, c.createArrayOf("text", agentProfiles.toArray(String[]::new)));
                return ps.executeUpdate();
            }
        });
    }

    /**
     * Locks every ACTIVE node with a free slot, in name order. A concurrent round waits here and then sees the
     * slots this transaction took, which is what keeps every node within its capacity.
     */
    public List<FreeNode> lockActiveWithFreeSlots() {
        return Jdbc.call(dataSource, "lock nodes with free slots", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT name, capacity, active_leases, labels::text, agent_profiles
                    FROM node
                    WHERE status = 'ACTIVE' AND active_leases < capacity
                    ORDER BY name
                    FOR UPDATE
                    """); ResultSet rs = ps.executeQuery()) {
                List<FreeNode> nodes = new ArrayList<>();
                while (rs.next()) {
                    String[] profiles = (String[]) rs.getArray(5).getArray();
                    nodes.add(new FreeNode(rs.getString(1), rs.getInt(2), rs.getInt(3), StringMapJson.read(rs.getString(4)),
                            Set.of(profiles)));
                }
                return nodes;
            }
        });
    }

    /** Counts newly granted leases on nodes this transaction has locked. */
    public void addActiveLeases(Map<String, Integer> grantedByNode) {
        changeActiveLeases(grantedByNode, 1);
    }

    /** Frees slots of ended leases; locks the nodes in name order first. */
    public void releaseSlots(Map<String, Integer> freedByNode) {
        if (freedByNode.isEmpty()) {
            return;
        }
        if (freedByNode.size() > 1) {
            lockInNameOrder(freedByNode.keySet());
        }
        changeActiveLeases(freedByNode, -1);
    }

    /** Records that the node showed a sign of life. */
    public void touch(String name) {
        Jdbc.call(dataSource, "touch node " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE node SET last_seen_at = now() WHERE name = ?")) {
                ps.setString(1, name);
                return ps.executeUpdate();
            }
        });
    }

    private void lockInNameOrder(Collection<String> names) {
        Jdbc.call(dataSource, "lock nodes", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT name FROM node WHERE name = ANY (?) ORDER BY name FOR UPDATE")) {
                ps.setArray(1, c.createArrayOf("text", names.toArray(String[]::new)));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        // reading the rows takes the locks
                    }
                }
                return null;
            }
        });
    }

    private void changeActiveLeases(Map<String, Integer> countByNode, int sign) {
        if (countByNode.isEmpty()) {
            return;
        }
        Map<String, Integer> sorted = new TreeMap<>(countByNode);
        Integer[] deltas = sorted.values().stream().map(n -> sign * n).toArray(Integer[]::new);
        Jdbc.call(dataSource, "update active leases", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE node n SET active_leases = n.active_leases + x.delta
                    FROM unnest(?::text[], ?::int[]) AS x(name, delta)
                    WHERE n.name = x.name
                    """)) {
                ps.setArray(1, c.createArrayOf("text", sorted.keySet().toArray(String[]::new)));
                ps.setArray(2, c.createArrayOf("int4", deltas));
                return ps.executeUpdate();
            }
        });
    }
}
