package dev.forgeline.support.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionSynchronizationRegistry;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import dev.forgeline.support.tracing.TraceContexts;
import dev.forgeline.support.tx.AfterCommit;
import io.agroal.api.AgroalDataSource;
import io.quarkus.arc.properties.IfBuildProperty;

/**
 * Writes events into the outbox table inside the caller's transaction: an event exists if and only if the
 * state change it announces committed. {@link OutboxRelay} publishes them to Kafka after the commit.
 */
@ApplicationScoped
@IfBuildProperty(name = "forgeline.outbox.enabled", stringValue = "true", enableIfMissing = true)
public class Outbox {
    private final AgroalDataSource dataSource;
    private final TransactionSynchronizationRegistry transactions;
    private final TraceContexts traceContexts;
    private final OutboxRelay relay;
    private final AfterCommit afterCommit;

    public Outbox(
            AgroalDataSource dataSource,
            TransactionSynchronizationRegistry transactions,
            TraceContexts traceContexts,
            OutboxRelay relay,
            AfterCommit afterCommit) {
        this.dataSource = dataSource;
        this.transactions = transactions;
        this.traceContexts = traceContexts;
        this.relay = relay;
        this.afterCommit = afterCommit;
    }

    /** One event to append, continuing the given trace context. */
    public record Event(
            EventType type,
            String specId,
            String taskId,
            String key,
            Object payload,
            Map<String, String> traceContext) {}

    /** An event as appended: its envelope, and the JSON the relay will publish (encoded once, here). */
    public record Appended(Envelope envelope, String json) {}

    /**
     * Appends an event to the outbox in the current transaction.
     *
     * @param key the Kafka record key (records with the same key keep their order)
     * @return the envelope as it will be published
     * @throws IllegalStateException outside a transaction
     */
    public Envelope append(EventType type, String specId, String taskId, String key, Object payload) {
        return append(type, specId, taskId, key, payload, traceContexts.current());
    }

    /**
     * Appends an event that continues a given trace rather than the current one: for work done outside the
     * span that caused it (a dispatch round granting leases for tasks that arrived in many traces).
     */
    public Envelope append(
            EventType type,
            String specId,
            String taskId,
            String key,
            Object payload,
            Map<String, String> traceContext) {
        return appendAll(List.of(new Event(type, specId, taskId, key, payload, traceContext)))
                .get(0)
                .envelope();
    }

    /**
     * Appends many events, in order, with one statement (a dispatch round announces two events per lease; one
     * INSERT each would cost more than the rest of the round).
     *
     * @throws IllegalStateException outside a transaction
     */
    public List<Appended> appendAll(List<Event> events) {
        if (transactions.getTransactionStatus() != Status.STATUS_ACTIVE) {
            throw new IllegalStateException(
                    "outbox events must be written in the transaction of the change they announce");
        }
        if (events.isEmpty()) {
            return List.of();
        }
        int n = events.size();
        List<Appended> appended = new ArrayList<>(n);
        UUID[] ids = new UUID[n];
        String[] topics = new String[n];
        String[] keys = new String[n];
        String[] encoded = new String[n];
        for (int i = 0; i < n; i++) {
            Event event = events.get(i);
            Envelope envelope =
                    Envelope.of(event.type(), event.specId(), event.taskId(), event.payload(), event.traceContext());
            ids[i] = envelope.eventId();
            topics[i] = event.type().topic();
            keys[i] = event.key();
            encoded[i] = EventCodec.encode(envelope);
            appended.add(new Appended(envelope, encoded[i]));
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
            throw new IllegalStateException(
                    "cannot write " + n + " events (first: " + events.get(0).type() + " for "
                            + events.get(0).specId() + "/" + events.get(0).taskId() + ") to the outbox",
                    e);
        }
        wakeRelayAfterCommit();
        return appended;
    }

    private void wakeRelayAfterCommit() {
        afterCommit.run(Outbox.class, relay::wake);
    }
}
