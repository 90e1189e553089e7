package dev.forgeline.support.inbox;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.support.tracing.TraceContexts;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.agroal.api.AgroalDataSource;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The receiving half of every Kafka consumer: decodes the envelope, drops a delivery whose event id this
 * consumer already applied, and runs the handler inside a span that continues the producer's trace.
 * Must be called inside the consumer's transaction, so that the event id is recorded only if the handler's
 * changes commit.
 */
@ApplicationScoped
@IfBuildProperty(name = "forgeline.outbox.enabled", stringValue = "true", enableIfMissing = true)
public class InboundEvents {
    private static final Logger LOG = Logger.getLogger(InboundEvents.class);
    private final AgroalDataSource dataSource;
    private final TraceContexts traceContexts;

    public InboundEvents(AgroalDataSource dataSource, TraceContexts traceContexts) {
        this.dataSource = dataSource;
        this.traceContexts = traceContexts;
    }

    /**
     * Applies {@code handler} to the record once per event id for {@code consumer}.
     *
     * @return true if the handler ran, false for a duplicate delivery
     * @throws IllegalArgumentException for a record that is not an envelope (the caller's failure strategy
     *                                  sends it to the dead-letter topic)
     */
    public boolean handleOnce(String consumer, String record, Consumer<Envelope> handler) {
        Envelope envelope = EventCodec.decode(record);
        if (!firstDelivery(consumer, envelope)) {
            LOG.debugf("%s: duplicate delivery of event %s ignored", consumer, envelope.eventId());
            return false;
        }
        Span span = traceContexts.startConsumerSpan(envelope, consumer);
        try (Scope ignored = span.makeCurrent()) {
            handler.accept(envelope);
            return true;
        } catch (RuntimeException e) {
            span.recordException(e);
            throw e;
        } finally {
            span.end();
        }
    }

    private boolean firstDelivery(String consumer, Envelope envelope) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement insert = c.prepareStatement(
                        "INSERT INTO processed_event (consumer, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
            insert.setString(1, consumer);
            insert.setObject(2, envelope.eventId());
            return insert.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record event " + envelope.eventId() + " for " + consumer, e);
        }
    }
}
