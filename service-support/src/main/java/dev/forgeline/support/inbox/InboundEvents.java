package dev.forgeline.support.inbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.support.tracing.TraceContexts;
import io.agroal.api.AgroalDataSource;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.narayana.jta.QuarkusTransaction;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The receiving half of every Kafka consumer: decodes the envelope, drops a delivery whose event id this
 * consumer already applied, and runs the handler in a transaction of its own, inside a span that continues the
 * producer's trace. The event id is recorded in that same transaction, so it counts as applied only if the
 * handler's changes commit. A handler that fails (a database restart, a lock timeout) is retried with backoff in
 * a new transaction; only when every attempt failed does the exception reach the channel's failure strategy
 * (the dead-letter topic), so a passing fault loses no event.
 */
@ApplicationScoped
@IfBuildProperty(name = "forgeline.outbox.enabled", stringValue = "true", enableIfMissing = true)
public class InboundEvents {
    private static final Logger LOG = Logger.getLogger(InboundEvents.class);
    private static final long FIRST_BACKOFF_MILLIS = 200;
    private static final long MAX_BACKOFF_MILLIS = 5_000;
    /** Counter of records handed to the dead-letter topic, by consumer and reason. */
    public static final String DEAD_LETTERED_METRIC = "forgeline.inbox.dead.lettered";

    private static final AttributeKey<String> CONSUMER = AttributeKey.stringKey("consumer");
    private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");

    private final AgroalDataSource dataSource;
    private final TraceContexts traceContexts;
    private final int maxAttempts;
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final LongCounter deadLetteredCounter;

    public InboundEvents(
            AgroalDataSource dataSource,
            TraceContexts traceContexts,
            @ConfigProperty(name = "forgeline.inbox.max-attempts", defaultValue = "10") int maxAttempts,
            Instance<Meter> meter) {
        this.dataSource = dataSource;
        this.traceContexts = traceContexts;
        this.maxAttempts = maxAttempts;
        this.deadLetteredCounter = (meter.isResolvable()
                        ? meter.get()
                        : OpenTelemetry.noop().getMeter("inbox"))
                .counterBuilder(DEAD_LETTERED_METRIC)
                .setDescription("Records a consumer could not apply and handed to its service's dead-letter topic")
                .setUnit("{record}")
                .build();
    }

    /**
     * Applies {@code handler} to the record once per event id for {@code consumer}, in a new transaction.
     *
     * @return true if the handler ran, false for a duplicate delivery
     * @throws IllegalArgumentException for a record that is not an envelope (the caller's failure strategy
     *                                  sends it to the dead-letter topic)
     */
    public boolean handleOnce(String consumer, String record, Consumer<Envelope> handler) {
        Envelope envelope;
        try {
            envelope = EventCodec.decode(record);
        } catch (IllegalArgumentException e) {
            LOG.errorf(
                    "%s: a record that is not an event envelope goes to the dead-letter topic: %s",
                    consumer, e.getMessage());
            deadLettered(consumer, "invalid-envelope");
            throw e;
        }
        long backoff = FIRST_BACKOFF_MILLIS;
        for (int attempt = 1; ; attempt++) {
            try {
                return QuarkusTransaction.requiringNew().call(() -> apply(consumer, envelope, handler));
            } catch (RuntimeException e) {
                if (attempt >= maxAttempts) {
                    LOG.errorf(
                            "%s: event %s (%s %s/%s) failed %d times, giving up: %s",
                            consumer,
                            envelope.eventId(),
                            envelope.type(),
                            envelope.specId(),
                            envelope.taskId(),
                            attempt,
                            e.getMessage());
                    deadLettered(consumer, "handler-failed");
                    throw e;
                }
                LOG.warnf(
                        "%s: event %s (%s %s/%s) failed, retrying in %d ms: %s",
                        consumer,
                        envelope.eventId(),
                        envelope.type(),
                        envelope.specId(),
                        envelope.taskId(),
                        backoff,
                        e.getMessage());
                retries.incrementAndGet();
                pause(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            }
        }
    }

    /** Records handed to the dead-letter topic (not an envelope, or every handler run failed), since start. */
    public long deadLettered() {
        return deadLettered.get();
    }

    private void deadLettered(String consumer, String reason) {
        deadLettered.incrementAndGet();
        deadLetteredCounter.add(1, Attributes.of(CONSUMER, consumer, REASON, reason));
    }

    /** Handler runs that failed and were tried again, since start. */
    public long retries() {
        return retries.get();
    }

    private boolean apply(String consumer, Envelope envelope, Consumer<Envelope> handler) {
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

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retrying an event", e);
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
