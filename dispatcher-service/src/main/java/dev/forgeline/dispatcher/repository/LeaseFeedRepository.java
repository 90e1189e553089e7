package dev.forgeline.dispatcher.repository;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;

/** Each node's lease feed (table lease_feed) and how far its worker has read it (node.lease_feed_acked). */
@ApplicationScoped
public class LeaseFeedRepository {
    private final AgroalDataSource dataSource;

    public LeaseFeedRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** An event for one node's feed. */
    public record NewEntry(String nodeName, String eventType, String envelope) {}

    /** An event of a node's feed with its sequence number. */
    public record Entry(long seq, String eventType, String envelope) {}

    /**
     * Appends entries in the caller's transaction, numbered per node in the given order. Takes the nodes' row locks
     * in name order (the lease or revocation being announced usually holds them already), so that a node's numbers
     * follow commit order.
     */
    public void append(List<NewEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (NewEntry entry : entries) {
            counts.merge(entry.nodeName(), 1, Integer::sum);
        }
        Jdbc.call(dataSource, "append " + entries.size() + " events to the lease feed", c -> {
            Map<String, Long> next = new HashMap<>();
            try (PreparedStatement reserve = c.prepareStatement("""
                    UPDATE node n SET lease_feed_seq = n.lease_feed_seq + x.count
                    FROM (%s) AS locked
                    JOIN unnest(?::text[], ?::int[]) AS x(name, count) ON x.name = locked.name
                    WHERE n.name = locked.name
                    RETURNING n.name, n.lease_feed_seq - x.count + 1 AS first_seq
                    """.formatted(NodeRepository.LOCK_IN_NAME_ORDER))) {
                Object[] names = counts.keySet().toArray();
                reserve.setArray(1, c.createArrayOf("text", names));
                reserve.setArray(2, c.createArrayOf("text", names));
                reserve.setArray(3, c.createArrayOf("integer", counts.values().toArray()));
                try (ResultSet rs = reserve.executeQuery()) {
                    while (rs.next()) {
                        next.put(rs.getString("name"), rs.getLong("first_seq"));
                    }
                }
            }
            int n = entries.size();
            String[] nodes = new String[n];
            Long[] seqs = new Long[n];
            String[] types = new String[n];
            String[] envelopes = new String[n];
            for (int i = 0; i < n; i++) {
                NewEntry entry = entries.get(i);
                Long seq = next.get(entry.nodeName());
                if (seq == null) {
                    throw new IllegalStateException("node " + entry.nodeName() + " is not registered: no lease feed");
                }
                next.put(entry.nodeName(), seq + 1);
                nodes[i] = entry.nodeName();
                seqs[i] = seq;
                types[i] = entry.eventType();
                envelopes[i] = entry.envelope();
            }
            try (PreparedStatement insert = c.prepareStatement("""
                    INSERT INTO lease_feed (node_name, seq, event_type, envelope)
                    SELECT * FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[])
                    """)) {
                insert.setArray(1, c.createArrayOf("text", nodes));
                insert.setArray(2, c.createArrayOf("bigint", seqs));
                insert.setArray(3, c.createArrayOf("text", types));
                insert.setArray(4, c.createArrayOf("text", envelopes));
                insert.executeUpdate();
            }
            return null;
        });
    }

    /** Where a node's feed stands: the last sequence number given out, and how far its worker has read. */
    public record Position(long head, long acked) {}

    /** The node's feed position, or empty for a node that is not registered. */
    public Optional<Position> position(String nodeName) {
        return Jdbc.call(dataSource, "read the lease feed position of node " + nodeName, c -> {
            try (PreparedStatement select = c.prepareStatement("""
                    SELECT n.lease_feed_seq, coalesce(r.acked, 0) AS acked
                    FROM node n LEFT JOIN lease_feed_reader r ON r.node_name = n.name
                    WHERE n.name = ?
                    """)) {
                select.setString(1, nodeName);
                try (ResultSet rs = select.executeQuery()) {
                    return rs.next()
                            ? Optional.of(new Position(rs.getLong("lease_feed_seq"), rs.getLong("acked")))
                            : Optional.empty();
                }
            }
        });
    }

    /**
     * Records that the node's worker has read its feed up to {@code seq} and deletes what it has read: a restarted
     * worker resumes after it. Moves only forward, and never past what was given out.
     */
    public void ack(String nodeName, long seq) {
        // one statement and one commit, on the reader's own row: it reads the node row without locking it, so a
        // poll never waits for a dispatch round or a heartbeat batch (they lock node rows) before it answers
        Jdbc.call(dataSource, "record the lease feed position of node " + nodeName, c -> {
            try (PreparedStatement ack = c.prepareStatement("""
                    WITH moved AS (
                        INSERT INTO lease_feed_reader AS r (node_name, acked)
                        SELECT name, ? FROM node WHERE name = ? AND lease_feed_seq >= ?
                        ON CONFLICT (node_name) DO UPDATE SET acked = excluded.acked WHERE r.acked < excluded.acked
                        RETURNING r.node_name, r.acked)
                    DELETE FROM lease_feed f USING moved m WHERE f.node_name = m.node_name AND f.seq <= m.acked
                    """)) {
                ack.setLong(1, seq);
                ack.setString(2, nodeName);
                ack.setLong(3, seq);
                ack.executeUpdate();
            }
            return null;
        });
    }

    /** The node's entries after {@code after}, oldest first, at most {@code limit}. */
    public List<Entry> after(String nodeName, long after, int limit) {
        return Jdbc.call(dataSource, "read the lease feed of node " + nodeName, c -> {
            try (PreparedStatement select = c.prepareStatement("""
                    SELECT seq, event_type, envelope FROM lease_feed
                    WHERE node_name = ? AND seq > ?
                    ORDER BY seq
                    LIMIT ?
                    """)) {
                select.setString(1, nodeName);
                select.setLong(2, after);
                select.setInt(3, limit);
                List<Entry> entries = new ArrayList<>();
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        entries.add(new Entry(rs.getLong("seq"), rs.getString("event_type"), rs.getString("envelope")));
                    }
                }
                return entries;
            }
        });
    }

    /** Deletes entries written before {@code before} (a node's worker that never came back to read them). */
    public int deleteOlderThan(Instant before) {
        return Jdbc.call(dataSource, "prune the lease feed", c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM lease_feed WHERE created_at < ?")) {
                delete.setObject(1, Jdbc.utc(before));
                return delete.executeUpdate();
            }
        });
    }
}
