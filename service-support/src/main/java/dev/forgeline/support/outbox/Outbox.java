package dev.forgeline.support.outbox;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import dev.forgeline.support.tracing.TraceContexts;
import io.agroal.api.AgroalDataSource;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;

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

    public Outbox(AgroalDataSource dataSource, TransactionSynchronizationRegistry transactions,
            TraceContexts traceContexts, OutboxRelay relay) {
        this.dataSource = dataSource;
        this.transactions = transactions;
        this.traceContexts = traceContexts;
        this.relay = relay;
    }

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
    public Envelope append(EventType type, String specId, String taskId, String key, Object payload,
            Map<String, String> traceContext) {
        if (transactions.getTransactionStatus() != Status.STATUS_ACTIVE) {
            throw new IllegalStateException("outbox events must be written in the transaction of the change they announce");
        }
        Envelope envelope = Envelope.of(type, specId, taskId, payload, traceContext);
        try (Connection c = dataSource.getConnection();
                PreparedStatement insert = c.prepareStatement(
                        "INSERT INTO outbox_event (event_id, topic, record_key, envelope) VALUES (?, ?, ?, ?)")) {
            insert.setObject(1, envelope.eventId());
            insert.setString(2, type.topic());
            insert.setString(3, key);
            insert.setString(4, EventCodec.encode(envelope));
            insert.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot write event " + type + " for task " + taskId + " to the outbox", e);
        }
        wakeRelayAfterCommit();
        return envelope;
    }

    private void wakeRelayAfterCommit() {
        Object marker = transactions.getResource(Outbox.class);
        if (marker != null) {
            return;
        }
        transactions.putResource(Outbox.class, Boolean.TRUE);
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    relay.wake();
                }
            }
        });
    }
}
