package dev.forgeline.support.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.agroal.api.AgroalDataSource;
import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Publishes committed outbox rows to Kafka in batches and deletes them once the broker acknowledged them.
 * Woken right after a commit that wrote events; also checks every second, so rows left by a crash or a broker
 * outage are published once Kafka answers again. Delivery is at least once: consumers drop duplicates by
 * event id.
 */
@ApplicationScoped
@IfBuildProperty(name = "forgeline.outbox.enabled", stringValue = "true", enableIfMissing = true)
public class OutboxRelay {
    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final int BATCH = 500;

    private final AgroalDataSource dataSource;
    private final String bootstrapServers;
    private final Semaphore wakeUps = new Semaphore(0);
    private final AtomicLong published = new AtomicLong();
    private volatile boolean running;
    private Thread thread;
    private KafkaProducer<String, String> producer;

    public OutboxRelay(
            AgroalDataSource dataSource, @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.dataSource = dataSource;
        this.bootstrapServers = bootstrapServers;
    }

    void onStart(@Observes StartupEvent event) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "outbox-relay");
        producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        running = true;
        thread = new Thread(this::run, "outbox-relay");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        wake();
        if (thread != null) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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
                List<Long> sent = new ArrayList<>();
                List<Future<?>> acks = new ArrayList<>();
                try (PreparedStatement select = c.prepareStatement(
                        "SELECT seq, topic, record_key, envelope FROM outbox_event ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED")) {
                    select.setInt(1, BATCH);
                    try (ResultSet rs = select.executeQuery()) {
                        while (rs.next()) {
                            sent.add(rs.getLong(1));
                            acks.add(producer.send(
                                    new ProducerRecord<>(rs.getString(2), rs.getString(3), rs.getString(4))));
                        }
                    }
                }
                if (sent.isEmpty()) {
                    c.rollback();
                    return 0;
                }
                for (Future<?> ack : acks) {
                    ack.get(30, TimeUnit.SECONDS);
                }
                try (PreparedStatement delete = c.prepareStatement("DELETE FROM outbox_event WHERE seq = ANY (?)")) {
                    delete.setArray(1, c.createArrayOf("bigint", sent.toArray()));
                    delete.executeUpdate();
                }
                c.commit();
                published.addAndGet(sent.size());
                return sent.size();
            } catch (Exception e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private void pause() {
        try {
            wakeUps.tryAcquire(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
