package dev.forgeline.support.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import dev.forgeline.support.background.BackgroundWork;
import io.agroal.api.AgroalDataSource;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Publishes committed outbox rows to Kafka in batches and deletes them once the broker acknowledged them.
 * Woken right after a commit that wrote events; also checks every second, so rows left by a crash or a broker
 * outage are published once Kafka answers again. Delivery is at least once: consumers drop duplicates by
 * event id.
 *
 * <p>An event the broker refuses for good ({@link #permanent}: too large, invalid topic, not authorised,
 * unserialisable) is parked: kept with the error and the time, logged once, counted, and never sent again
 * unless an operator retries it ({@link ParkedOutboxEvents}). Later events, of the same key too, go on: holding
 * them back behind an event that can never be sent would stop that key for good, and every consumer already
 * applies events idempotently and checks revisions, so a retried parked event arriving late is handled like a
 * redelivery. Any other failure (broker down, timeouts) rolls the batch back and is retried, in order.
 */
@ApplicationScoped
@IfBuildProperty(name = "forgeline.outbox.enabled", stringValue = "true", enableIfMissing = true)
public class OutboxRelay {
    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final int BATCH = 500;
    /** Counter of parked events, by topic. */
    public static final String PARKED_METRIC = "forgeline.outbox.parked";

    private static final AttributeKey<String> TOPIC = AttributeKey.stringKey("topic");

    private final AgroalDataSource dataSource;
    /** Where the broker is and how to authenticate to it: the {@code kafka.*} settings every channel uses. */
    private final Map<String, Object> connection;

    private final BackgroundWork background;
    private final Semaphore wakeUps = new Semaphore(0);
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong parked = new AtomicLong();
    private final LongCounter parkedCounter;
    private volatile boolean running;
    private BackgroundWork.Loop loop;
    private KafkaProducer<String, String> producer;

    public OutboxRelay(
            AgroalDataSource dataSource,
            @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
            BackgroundWork background,
            Instance<Meter> meter) {
        this.dataSource = dataSource;
        this.connection = connectionSettings(kafkaConfig);
        this.background = background;
        this.parkedCounter = (meter.isResolvable()
                        ? meter.get()
                        : OpenTelemetry.noop().getMeter("outbox"))
                .counterBuilder(PARKED_METRIC)
                .setDescription("Outbox events the broker refused for good, parked until an operator retries them")
                .setUnit("{event}")
                .build();
    }

    /**
     * The client-wide settings of the {@code kafka.*} configuration (address, {@code security.protocol}, {@code
     * sasl.*}, {@code ssl.*}), so the relay's producer reaches and authenticates to the broker exactly as the
     * service's channels do; producer behaviour (acks, idempotence, timeouts) stays the relay's own.
     */
    static Map<String, Object> connectionSettings(Map<String, Object> kafkaConfig) {
        Map<String, Object> settings = new TreeMap<>();
        kafkaConfig.forEach((key, value) -> {
            if (key.equals(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)
                    || key.equals("security.protocol")
                    || key.equals("client.dns.lookup")
                    || key.startsWith("sasl.")
                    || key.startsWith("ssl.")) {
                settings.put(key, value);
            }
        });
        return settings;
    }

    void onStart(@Observes StartupEvent event) {
        Properties props = new Properties();
        props.putAll(connection);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "outbox-relay");
        producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        running = true;
        loop = background.loop("outbox-relay", this::run);
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        wake();
        if (loop != null) {
            loop.awaitEnd(Duration.ofSeconds(5));
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** Asks the relay to publish now (called after a commit that wrote events). */
    public void wake() {
        wakeUps.release();
    }

    /** Events published since start. */
    public long publishedCount() {
        return published.get();
    }

    /** Events parked since start. */
    public long parkedCount() {
        return parked.get();
    }

    /**
     * Whether the broker will never take this record as it is, so sending it again cannot help: it is too
     * large, its topic name is invalid, the service may not write it, or it cannot be serialised.
     */
    static boolean permanent(Throwable failure) {
        return failure instanceof RecordTooLargeException
                || failure instanceof RecordBatchTooLargeException
                || failure instanceof InvalidTopicException
                || failure instanceof InvalidRecordException
                || failure instanceof AuthorizationException
                || failure instanceof SerializationException;
    }

    private void run() {
        while (running) {
            try {
                wakeUps.tryAcquire(1, TimeUnit.SECONDS);
                wakeUps.drainPermits();
                while (running && publishBatch() == BATCH) {
                    // a full batch means more may be waiting
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                LOG.warnf("outbox relay could not publish, retrying: %s", e.getMessage());
                pause();
            }
        }
    }

    private int publishBatch() throws SQLException, Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Pending> pending = new ArrayList<>();
                try (PreparedStatement select = c.prepareStatement(
                        "SELECT seq, topic, record_key, envelope FROM outbox_event WHERE parked_at IS NULL"
                                + " ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED")) {
                    select.setInt(1, BATCH);
                    try (ResultSet rs = select.executeQuery()) {
                        while (rs.next()) {
                            pending.add(send(
                                    rs.getLong("seq"),
                                    rs.getString("topic"),
                                    rs.getString("record_key"),
                                    rs.getString("envelope")));
                        }
                    }
                }
                if (pending.isEmpty()) {
                    c.rollback();
                    return 0;
                }
                List<Long> sent = new ArrayList<>();
                List<Pending> refused = new ArrayList<>();
                for (Pending p : pending) {
                    Throwable failure = p.failure();
                    if (failure == null) {
                        sent.add(p.seq());
                    } else if (permanent(failure)) {
                        refused.add(p.withFailure(failure));
                    } else {
                        // transient: roll back, retry the whole batch in order (duplicates are dropped downstream)
                        throw failure instanceof Exception e ? e : new IllegalStateException(failure);
                    }
                }
                try (PreparedStatement delete = c.prepareStatement("DELETE FROM outbox_event WHERE seq = ANY (?)")) {
                    delete.setArray(1, c.createArrayOf("bigint", sent.toArray()));
                    delete.executeUpdate();
                }
                park(c, refused);
                c.commit();
                published.addAndGet(sent.size());
                for (Pending p : refused) {
                    parked.incrementAndGet();
                    parkedCounter.add(1, Attributes.of(TOPIC, p.topic()));
                    LOG.errorf(
                            "outbox event %d for %s (key %s) is parked: the broker refuses it for good (%s); "
                                    + "later events go on; retry it once the cause is fixed (see operations docs)",
                            p.seq(), p.topic(), p.key(), p.error());
                }
                return pending.size();
            } catch (Exception e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** One row handed to the producer: its acknowledgement, or the error {@code send} threw at once. */
    private record Pending(long seq, String topic, String key, Future<?> ack, Throwable sendError, String error) {
        Throwable failure() throws InterruptedException {
            if (sendError != null) {
                return sendError;
            }
            try {
                ack.get(30, TimeUnit.SECONDS);
                return null;
            } catch (ExecutionException e) {
                return e.getCause() == null ? e : e.getCause();
            } catch (java.util.concurrent.TimeoutException e) {
                return e;
            }
        }

        Pending withFailure(Throwable failure) {
            return new Pending(seq, topic, key, ack, sendError, describe(failure));
        }
    }

    private Pending send(long seq, String topic, String key, String envelope) {
        try {
            return new Pending(seq, topic, key, producer.send(new ProducerRecord<>(topic, key, envelope)), null, null);
        } catch (KafkaException e) {
            if (permanent(e)) {
                return new Pending(seq, topic, key, null, e, null);
            }
            throw e;
        }
    }

    private static void park(Connection c, List<Pending> refused) throws SQLException {
        if (refused.isEmpty()) {
            return;
        }
        try (PreparedStatement update =
                c.prepareStatement("UPDATE outbox_event SET parked_at = now(), park_error = ? WHERE seq = ?")) {
            for (Pending p : refused) {
                update.setString(1, p.error());
                update.setLong(2, p.seq());
                update.addBatch();
            }
            update.executeBatch();
        }
    }

    /** The broker's reason, with the exception's simple name (Kafka's messages name sizes, not data). */
    private static String describe(Throwable failure) {
        String message = failure.getMessage();
        String text = failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        return text.length() > 1000 ? text.substring(0, 1000) : text;
    }

    private void pause() {
        try {
            wakeUps.tryAcquire(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
