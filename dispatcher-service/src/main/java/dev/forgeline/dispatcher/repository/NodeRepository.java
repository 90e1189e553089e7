package dev.forgeline.dispatcher.repository;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.payload.ProfileOffer;
import dev.forgeline.dispatcher.domain.Node;
import dev.forgeline.dispatcher.mapping.ProfileOffersJson;
import dev.forgeline.dispatcher.mapping.StringMapJson;
import io.agroal.api.AgroalDataSource;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;

/**
 * Nodes. Reads go through Panache; writes are single statements.
 *
 * <p>Lock order: a transaction that locks more than one node row takes them in name order, in one pass, after the
 * task and lease rows it waits for and before the counter rows ({@code dispatcher_counter}). Every statement here
 * that writes several node rows locks them through {@code SELECT ... ORDER BY name FOR UPDATE} first (an {@code
 * UPDATE ... FROM unnest(...)} alone locks rows in whatever order its plan visits them). A transaction that reaches
 * node rows in several steps locks all of them with {@link #lockInNameOrder} before the first. The dispatch round
 * is the one that locks nodes before tasks and leases: it takes those with SKIP LOCKED, so it never waits for them.
 */
@ApplicationScoped
public class NodeRepository implements PanacheRepositoryBase<Node, String> {
    private final AgroalDataSource dataSource;

    public NodeRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** An ACTIVE node with free slots, locked until the end of the current transaction. */
    public record FreeNode(
            String name, int capacity, int activeLeases, Map<String, String> labels, Set<String> agentProfiles) {
        public int freeSlots() {
            return capacity - activeLeases;
        }
    }

    /**
     * Registers a node or updates its capacity, labels and profiles; open leases keep counting. A registration naming a new worker instance switches the node to it at once (open
     * leases granted before are the old process's and the supervisor orphans them): the new process registers as it
     * starts, before it takes leases, so leases granted to it from then on stay its own.
     */
    public void upsert(
            String name,
            int capacity,
            Map<String, String> labels,
            List<String> agentProfiles,
            List<ProfileOffer> offers,
            String instanceId) {
        Jdbc.call(dataSource, "register node " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO node (name, capacity, labels, agent_profiles, status, active_leases, registered_at, last_seen_at,
                                      profile_offers, registered_instance_id, instance_id, instance_started_at)
                    VALUES (?, ?, ?::jsonb, ?, 'READY', 0, now(), now(), ?::jsonb, ?, ?,
                            CASE WHEN ?::text IS NULL THEN NULL ELSE now() END)
                    ON CONFLICT (name) DO UPDATE
                    SET capacity = EXCLUDED.capacity, labels = EXCLUDED.labels, agent_profiles = EXCLUDED.agent_profiles,
                        profile_offers = EXCLUDED.profile_offers,
                        registered_instance_id = COALESCE(EXCLUDED.registered_instance_id, node.registered_instance_id),
                        instance_started_at = CASE WHEN EXCLUDED.registered_instance_id IS NOT NULL
                                                        AND node.instance_id IS DISTINCT FROM EXCLUDED.registered_instance_id
                                                   THEN now() ELSE node.instance_started_at END,
                        instance_id = COALESCE(EXCLUDED.registered_instance_id, node.instance_id),
                        status = CASE WHEN node.status = 'DEAD' THEN 'READY' ELSE node.status END,
                        status_reason = CASE WHEN node.status = 'DEAD' THEN NULL ELSE node.status_reason END,
                        last_seen_at = now()
                    """)) {
                ps.setString(1, name);
                ps.setInt(2, capacity);
                ps.setString(3, StringMapJson.write(labels));
                ps.setArray(4, c.createArrayOf("text", profileNames(agentProfiles, offers)));
                ps.setString(5, ProfileOffersJson.write(offers));
                ps.setString(6, instanceId);
                ps.setString(7, instanceId);
                ps.setString(8, instanceId);
                return ps.executeUpdate();
            }
        });
    }

    /**
     * Locks every ACTIVE node with a free slot, in name order. A concurrent round waits here and then sees the
     * slots this transaction took, which is what keeps every node within its capacity.
     */
    public List<FreeNode> lockActiveWithFreeSlots(Collection<String> blocked) {
        return Jdbc.call(dataSource, "lock nodes with free slots", c -> {
            try (PreparedStatement ps = prepared(c, """
                    SELECT name, capacity, active_leases, labels::text AS labels, agent_profiles
                    FROM node
                    WHERE status = 'READY' AND active_leases < capacity AND NOT (name = ANY (?))
                    ORDER BY name
                    FOR UPDATE
                    """, blocked);
                    ResultSet rs = ps.executeQuery()) {
                List<FreeNode> nodes = new ArrayList<>();
                while (rs.next()) {
                    nodes.add(freeNode(rs));
                }
                return nodes;
            }
        });
    }

    /** Counts newly granted leases on nodes this transaction has locked. */
    public void addActiveLeases(Map<String, Integer> grantedByNode) {
        changeActiveLeases(grantedByNode, 1);
    }

    /** Frees slots of ended leases. */
    public void releaseSlots(Map<String, Integer> freedByNode) {
        changeActiveLeases(freedByNode, -1);
    }

    /**
     * Locks the named nodes in name order until the end of the current transaction: for a transaction that then
     * writes them one statement at a time (a heartbeat batch, a supervisor pass).
     */
    public void lockInNameOrder(Collection<String> names) {
        if (names.isEmpty()) {
            return;
        }
        Jdbc.call(dataSource, "lock nodes", c -> {
            try (PreparedStatement ps = prepared(c, LOCK_IN_NAME_ORDER, names);
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // reading the rows takes the locks
                }
                return null;
            }
        });
    }

    /** Records a sign of life of several nodes, locking them in name order. */
    public void touchAll(Collection<String> names) {
        if (names.isEmpty()) {
            return;
        }
        Jdbc.call(dataSource, "touch nodes", c -> {
            try (PreparedStatement ps = prepared(
                    c, "UPDATE node SET last_seen_at = now() WHERE name IN (" + LOCK_IN_NAME_ORDER + ")", names)) {
                return ps.executeUpdate();
            }
        });
    }

    /**
     * The named nodes, locked in name order. Used as a subquery, it makes an update of several node rows lock them in
     * that order: the update writes only rows it produced, and it produces them in order, each one locked.
     */
    static final String LOCK_IN_NAME_ORDER = "SELECT name FROM node WHERE name = ANY (?) ORDER BY name FOR UPDATE";

    private static PreparedStatement prepared(java.sql.Connection c, String sql, Collection<String> names)
            throws java.sql.SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        ps.setArray(1, c.createArrayOf("text", names.toArray(String[]::new)));
        return ps;
    }

    /**
     * The node as a NODE_HEARTBEAT found it, before applying the heartbeat.
     *
     * @param instanceId           the worker process its node heartbeats came from
     * @param registeredInstanceId the worker process that last registered it over the authenticated API
     */
    public record Known(String instanceId, String status, String registeredInstanceId) {
        /**
         * Whether a node heartbeat from {@code instance} may be applied: the node's own instance, its first one, or
         * a new one that registered. Kafka cannot tell which worker wrote a record, so a heartbeat naming an instance
         * nobody registered for this node (another node's credential speaking for it) must not restart it.
         */
        public boolean accepts(String instance) {
            return instanceId == null
                    || instanceId.equals(instance)
                    || (instance != null && instance.equals(registeredInstanceId));
        }
    }

    /** Locks the node a NODE_HEARTBEAT names and reads it; null when the node is unknown. */
    public Known lockForHeartbeat(String name) {
        return Jdbc.call(dataSource, "lock node " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT instance_id, status, registered_instance_id FROM node WHERE name = ? FOR UPDATE")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? known(rs) : null;
                }
            }
        });
    }

    /**
     * Applies a NODE_HEARTBEAT: registers the node when unknown, updates kind, labels, profiles and capacity,
     * revives a DEAD node, and when the instance id changed records when the new instance started (open leases
     * granted before that belong to the old process and are orphaned by the supervisor). The caller locked the row
     * first ({@link #lockForHeartbeat}) and decided the heartbeat may be applied.
     */
    public void applyNodeHeartbeat(
            String name,
            String kind,
            String instanceId,
            int capacity,
            Map<String, String> labels,
            List<String> agentProfiles,
            List<ProfileOffer> offers) {
        Jdbc.call(dataSource, "apply node heartbeat of " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO node (name, capacity, labels, agent_profiles, status, active_leases, registered_at,
                                      last_seen_at, kind, instance_id, node_heartbeat_at, instance_started_at,
                                      profile_offers)
                    VALUES (?, ?, ?::jsonb, ?, 'READY', 0, now(), now(), ?, ?, now(), now(), ?::jsonb)
                    ON CONFLICT (name) DO UPDATE
                    SET capacity = EXCLUDED.capacity, labels = EXCLUDED.labels, agent_profiles = EXCLUDED.agent_profiles,
                        profile_offers = EXCLUDED.profile_offers,
                        kind = EXCLUDED.kind, last_seen_at = now(), node_heartbeat_at = now(),
                        status = CASE WHEN node.status = 'DEAD' THEN 'READY' ELSE node.status END,
                        status_reason = CASE WHEN node.status = 'DEAD' THEN NULL ELSE node.status_reason END,
                        instance_started_at = CASE WHEN node.instance_id IS DISTINCT FROM EXCLUDED.instance_id
                                                   THEN now() ELSE node.instance_started_at END,
                        instance_id = EXCLUDED.instance_id
                    """)) {
                ps.setString(1, name);
                ps.setInt(2, Math.max(1, Math.min(256, capacity)));
                ps.setString(3, StringMapJson.write(labels));
                ps.setArray(4, c.createArrayOf("text", profileNames(agentProfiles, offers)));
                ps.setString(5, "CLUSTER".equalsIgnoreCase(kind) ? "CLUSTER" : "LAPTOP");
                ps.setString(6, instanceId);
                ps.setString(7, ProfileOffersJson.write(offers));
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** The names a node can run: the listed names and those of its offers (offers alone are enough). */
    static String[] profileNames(List<String> agentProfiles, List<ProfileOffer> offers) {
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>(agentProfiles);
        offers.forEach(o -> names.add(o.name()));
        return names.toArray(String[]::new);
    }

    /** A node that is not DEAD, with what it offers: the nodes a task can still hope for. */
    public record Offering(
            String name,
            String status,
            Map<String, String> labels,
            Set<String> agentProfiles,
            List<ProfileOffer> offers,
            int freeSlots) {}

    /** The profiles a node advertises, its default first; empty for an unknown node or one advertising none. */
    public List<ProfileOffer> offersOf(String nodeName) {
        return Jdbc.call(dataSource, "read offers of node " + nodeName, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT profile_offers::text AS profile_offers FROM node WHERE name = ?")) {
                ps.setString(1, nodeName);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? ProfileOffersJson.read(rs.getString("profile_offers")) : List.<ProfileOffer>of();
                }
            }
        });
    }

    /**
     * The profiles offered by nodes (not DEAD) that meet the task's requirements, each with the largest context size
     * a node advertises for it.
     */
    public Map<String, Integer> offeredContextsFor(String specId, String taskId) {
        return Jdbc.call(dataSource, "read offered profiles for " + specId + "/" + taskId, c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT o ->> 'name' AS profile, max(coalesce((o ->> 'contextTokens')::int, 0)) AS context_tokens
                    FROM task t
                    JOIN node n ON n.status <> 'DEAD' AND t.requires <@ n.labels
                    CROSS JOIN LATERAL jsonb_array_elements(n.profile_offers) o
                    WHERE t.spec_id = ? AND t.task_id = ?
                    GROUP BY 1
                    """)) {
                ps.setString(1, specId);
                ps.setString(2, taskId);
                Map<String, Integer> contexts = new TreeMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String profile = rs.getString("profile");
                        if (profile != null) {
                            contexts.put(profile, rs.getInt("context_tokens"));
                        }
                    }
                }
                return contexts;
            }
        });
    }

    /** Every node not DEAD, with what it offers. */
    public List<Offering> offering() {
        return Jdbc.call(dataSource, "read node offers", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT name, status, labels::text AS labels, agent_profiles, profile_offers::text AS profile_offers,
                           greatest(capacity - active_leases, 0) AS free_slots
                    FROM node WHERE status <> 'DEAD' ORDER BY name
                    """);
                    ResultSet rs = ps.executeQuery()) {
                List<Offering> nodes = new ArrayList<>();
                while (rs.next()) {
                    nodes.add(offering(rs));
                }
                return nodes;
            }
        });
    }

    /** Declares DEAD every node that announced node heartbeats and then missed them for {@code silenceMillis}. */
    public List<String> markSilentNodesDead(long silenceMillis) {
        return Jdbc.call(dataSource, "declare silent nodes dead", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE node SET status = 'DEAD',
                        status_reason = 'no node heartbeat since ' || to_char(node_heartbeat_at AT TIME ZONE 'UTC',
                                        'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                    WHERE name IN (SELECT name FROM node
                                   WHERE status <> 'DEAD' AND node_heartbeat_at IS NOT NULL
                                     AND greatest(node_heartbeat_at, last_seen_at) < now() - ? * interval '1 millisecond'
                                   ORDER BY name FOR UPDATE SKIP LOCKED)
                    RETURNING name
                    """)) {
                ps.setLong(1, silenceMillis);
                List<String> names = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        names.add(rs.getString("name"));
                    }
                }
                return names;
            }
        });
    }

    /** Sets a node's status; returns the number of rows changed. */
    public int setStatus(String name, String status, String reason) {
        return Jdbc.call(dataSource, "set status of node " + name, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE node SET status = ?, status_reason = ? WHERE name = ?")) {
                ps.setString(1, status);
                ps.setString(2, reason);
                ps.setString(3, name);
                return ps.executeUpdate();
            }
        });
    }

    /** Free slots of READY nodes, and nodes by status, for the gauges. */
    public Map<String, Long> countByStatus() {
        return Jdbc.call(dataSource, "count nodes", c -> {
            Map<String, Long> counts = new java.util.HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT status, count(*) AS nodes,
                           sum(CASE WHEN status = 'READY' THEN greatest(capacity - active_leases, 0) ELSE 0 END) AS free_slots
                    FROM node GROUP BY status
                    """);
                    ResultSet rs = ps.executeQuery()) {
                long free = 0;
                while (rs.next()) {
                    counts.put(rs.getString("status"), rs.getLong("nodes"));
                    free += rs.getLong("free_slots");
                }
                counts.put("$free", free);
            }
            return counts;
        });
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

    private static FreeNode freeNode(ResultSet rs) throws SQLException {
        return new FreeNode(
                rs.getString("name"),
                rs.getInt("capacity"),
                rs.getInt("active_leases"),
                StringMapJson.read(rs.getString("labels")),
                Set.of(profiles(rs)));
    }

    private static Known known(ResultSet rs) throws SQLException {
        return new Known(rs.getString("instance_id"), rs.getString("status"), rs.getString("registered_instance_id"));
    }

    private static Offering offering(ResultSet rs) throws SQLException {
        return new Offering(
                rs.getString("name"),
                rs.getString("status"),
                StringMapJson.read(rs.getString("labels")),
                Set.of(profiles(rs)),
                ProfileOffersJson.read(rs.getString("profile_offers")),
                rs.getInt("free_slots"));
    }

    private static String[] profiles(ResultSet rs) throws SQLException {
        return (String[]) rs.getArray("agent_profiles").getArray();
    }

    private void changeActiveLeases(Map<String, Integer> countByNode, int sign) {
        if (countByNode.isEmpty()) {
            return;
        }
        Map<String, Integer> sorted = new TreeMap<>(countByNode);
        String[] names = sorted.keySet().toArray(String[]::new);
        Integer[] deltas = sorted.values().stream().map(n -> sign * n).toArray(Integer[]::new);
        Jdbc.call(dataSource, "update active leases", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE node n SET active_leases = n.active_leases + x.delta
                    FROM (%s) AS locked
                    JOIN unnest(?::text[], ?::int[]) AS x(name, delta) ON x.name = locked.name
                    WHERE n.name = locked.name
                    """.formatted(LOCK_IN_NAME_ORDER))) {
                ps.setArray(1, c.createArrayOf("text", names));
                ps.setArray(2, c.createArrayOf("text", names));
                ps.setArray(3, c.createArrayOf("int4", deltas));
                return ps.executeUpdate();
            }
        });
    }
}
