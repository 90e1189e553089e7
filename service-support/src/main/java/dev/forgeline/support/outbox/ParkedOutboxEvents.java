package dev.forgeline.support.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;
import io.quarkus.arc.properties.IfBuildProperty;

/**
 * The outbox events the relay parked because the broker refused them for good: an operator lists them and, once
 * the cause is fixed (a topic's {@code max.message.bytes} raised, an ACL granted), sends them again. The same
 * in SQL, in the service's schema:
 *
 * <pre>
 * SELECT seq, event_id, topic, record_key, parked_at, park_error FROM outbox_event WHERE parked_at IS NOT NULL;
 * UPDATE outbox_event SET parked_at = NULL, park_error = NULL WHERE seq = 42;   -- or: WHERE parked_at IS NOT NULL
 * </pre>
 */
@ApplicationScoped
@IfBuildProperty(name = "forgeline.outbox.enabled", stringValue = "true", enableIfMissing = true)
public class ParkedOutboxEvents {
    private final AgroalDataSource dataSource;
    private final OutboxRelay relay;

    public ParkedOutboxEvents(AgroalDataSource dataSource, OutboxRelay relay) {
        this.dataSource = dataSource;
        this.relay = relay;
    }

    /** One parked event; the envelope itself stays in the table (it may be large). */
    public record Parked(
            long seq, UUID eventId, String topic, String key, int envelopeBytes, Instant parkedAt, String error) {}

    /** Parked events, oldest first. */
    public List<Parked> list() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement select = c.prepareStatement("""
                        SELECT seq, event_id, topic, record_key, octet_length(envelope) AS envelope_bytes, parked_at, park_error
                        FROM outbox_event WHERE parked_at IS NOT NULL ORDER BY seq
                        """)) {
            List<Parked> parked = new ArrayList<>();
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    parked.add(new Parked(
                            rs.getLong("seq"),
                            rs.getObject("event_id", UUID.class),
                            rs.getString("topic"),
                            rs.getString("record_key"),
                            rs.getInt("envelope_bytes"),
                            rs.getTimestamp("parked_at").toInstant(),
                            rs.getString("park_error")));
                }
            }
            return parked;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list parked outbox events", e);
        }
    }

    /**
     * Hands parked events back to the relay, which sends them with the next batch (after every event written
     * before them that is still waiting); one the broker still refuses is parked again.
     *
     * @param seqs the events to retry; empty: every parked event
     * @return how many were handed back
     */
    public int retry(List<Long> seqs) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement update = c.prepareStatement(
                        seqs.isEmpty()
                                ? "UPDATE outbox_event SET parked_at = NULL, park_error = NULL WHERE parked_at IS NOT NULL"
                                : "UPDATE outbox_event SET parked_at = NULL, park_error = NULL"
                                        + " WHERE parked_at IS NOT NULL AND seq = ANY (?)")) {
            if (!seqs.isEmpty()) {
                update.setArray(1, c.createArrayOf("bigint", seqs.toArray()));
            }
            int retried = update.executeUpdate();
            if (retried > 0) {
                relay.wake();
            }
            return retried;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot retry parked outbox events", e);
        }
    }
}
