package dev.forgeline.dispatcher.messaging;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import dev.forgeline.dispatcher.service.AfterCommit;
import dev.forgeline.support.outbox.OutboxRelay;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Appends many events to the transactional outbox in one statement: the same {@code outbox_event} rows that
 * {@code Outbox.append} writes (envelope built by {@link Envelope#of}, encoded by {@link EventCodec}), in the
 * caller's transaction, and the relay is woken after the commit. A dispatch round announces two events per lease;
 * one INSERT per event would cost more than the rest of the round. Each event carries the trace context given
 * with it (the context the task arrived with), so a trace continues through the dispatcher's batch.
 * <p>
 * Workaround until service-support offers a batch append ({@code Outbox.appendAll}); single events go through
 * {@code Outbox.append}.
 */
@ApplicationScoped
public class OutboxBatch {
    private static final Object WAKE_KEY = OutboxBatch.class.getName() + ".wake";

    private final AgroalDataSource dataSource;
    private final TransactionSynchronizationRegistry transactions;
    private final AfterCommit afterCommit;
    private final OutboxRelay relay;

    public OutboxBatch(AgroalDataSource dataSource, TransactionSynchronizationRegistry transactions,
            AfterCommit afterCommit, OutboxRelay relay) {
        this.dataSource = dataSource;
        this.transactions = transactions;
        this.afterCommit = afterCommit;
        this.relay = relay;
    }

    /** One event to append. */
    public record Event(EventType type, String specId, String taskId, String key, Object payload,
            Map<String, String> traceContext) {
    }

    /**
     * Writes the events, in order, to the outbox of the current transaction.
     *
     * @throws IllegalStateException outside a transaction
     */
    public List<Envelope> appendAll(List<Event> events) {
        if (transactions.getTransactionStatus() != Status.STATUS_ACTIVE) {
            throw new IllegalStateException("outbox events must be written in the transaction of the change they announce");
        }
        if (events.isEmpty()) {
            return List.of();
        }
        int n = events.size();
        List<Envelope> envelopes = new ArrayList<>(n);
        UUID[] ids = new UUID[n];
        String[] topics = new String[n];
        String[] keys = new String[n];
        String[] encoded = new String[n];
        for (int i = 0; i < n; i++) {
            Event event = events.get(i);
            Envelope envelope = Envelope.of(event.type(), event.specId(), event.taskId(), event.payload(),
                    event.traceContext());
            envelopes.add(envelope);
            ids[i] = envelope.eventId();
            topics[i] = event.type().topic();
            keys[i] = event.key();
            encoded[i] = EventCodec.encode(envelope);
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement insert = c.prepareStatement("""
                        INSERT INTO outbox_event (event_id, topic, record_key, envelope)
                        SELECT x.event_id, x.topic, x.record_key, x.envelope
                        FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY
                             AS x(event_id, topic, record_key, envelope, position)
                        ORDER BY x.position
                        """)) {
            insert.setArray(1, c.createArrayOf("uuid", ids));
            insert.setArray(2, c.createArrayOf("text", topics));
            insert.setArray(3, c.createArrayOf("text", keys));
            insert.setArray(4, c.createArrayOf("text", encoded));
            insert.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot write " + n + " events to the outbox: " + e.getMessage(), e);
        }
        afterCommit.run(WAKE_KEY, relay::wake);
        return envelopes;
    }
}
