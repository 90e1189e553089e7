package dev.forgeline.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;

/** Publishes and reads Forgeline events on a real broker from tests. */
public final class TestKafka implements AutoCloseable {
    private final String bootstrapServers;
    private final KafkaProducer<String, String> producer;

    public TestKafka(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    /** A client for the broker the Quarkus application under test uses. */
    public static TestKafka forApplication() {
        return new TestKafka(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
    }

    /** Publishes a new event and waits for the broker's acknowledgement. */
    public Envelope publish(EventType type, String specId, String taskId, String key, Object payload) {
        Envelope envelope = Envelope.of(type, specId, taskId, payload, Map.of());
        publish(type.topic(), key, envelope);
        return envelope;
    }

    /** Publishes a given envelope (for example again, to simulate a duplicate delivery). */
    public void publish(String topic, String key, Envelope envelope) {
        publishRaw(topic, key, EventCodec.encode(envelope));
    }

    public void publishRaw(String topic, String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not publish to " + topic, e);
        }
    }

    /**
     * Reads {@code topic} from its beginning until {@code count} envelopes match, or fails after
     * {@code timeout} listing what it saw.
     */
    public List<Envelope> await(String topic, Predicate<Envelope> match, int count, Duration timeout) {
        List<Envelope> matched = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer()) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    Envelope envelope = EventCodec.decode(record.value());
                    seen.add(envelope.type() + " " + envelope.specId() + "/" + envelope.taskId());
                    if (match.test(envelope)) {
                        matched.add(envelope);
                    }
                }
                if (matched.size() >= count) {
                    return matched;
                }
            }
        }
        throw new AssertionError("expected " + count + " matching events on " + topic + " within " + timeout
                + ", found " + matched.size() + "; saw " + seen);
    }

    /** Every envelope on {@code topic} so far (reads until the topic is idle for {@code idle}). */
    public List<Envelope> readAll(String topic, Duration idle) {
        List<Envelope> all = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer()) {
            consumer.subscribe(List.of(topic));
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < idle.toNanos()
                    || consumer.assignment().isEmpty()) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    quietSince = System.nanoTime();
                }
                records.forEach(r -> all.add(EventCodec.decode(r.value())));
            }
        }
        return all;
    }

    /**
     * Reads {@code topic} from its beginning until a record matches, as it is (no envelope decoding: dead-letter
     * topics hold what could not be applied), or fails after {@code timeout}.
     */
    public ConsumerRecord<String, String> awaitRecord(
            String topic, Predicate<ConsumerRecord<String, String>> match, Duration timeout) {
        int seen = 0;
        try (KafkaConsumer<String, String> consumer = consumer()) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    seen++;
                    if (match.test(record)) {
                        return record;
                    }
                }
            }
        }
        throw new AssertionError(
                "no matching record on " + topic + " within " + timeout + " (" + seen + " records seen)");
    }

    public Envelope awaitOne(String topic, Predicate<Envelope> match) {
        return await(topic, match, 1, Duration.ofSeconds(30)).get(0);
    }

    private KafkaConsumer<String, String> consumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
