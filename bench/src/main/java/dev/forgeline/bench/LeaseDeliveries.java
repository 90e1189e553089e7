package dev.forgeline.bench;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.TaskLeased;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Stands in for the leases topic's readers (workers read their node's lease feed instead, see
 * {@link LeaseFeedDeliveries}): reads forgeline.tasks.leased from the beginning until every task's first task.leased
 * record arrived, keeping each task's lease, the record's Kafka timestamp (set when the outbox relay sent it) and the
 * time the record was consumed here.
 */
final class LeaseDeliveries implements AutoCloseable {
    /**
     * One task's first lease as a worker receives it.
     *
     * @param kafkaTimestampMs the record's timestamp (the relay's send)
     * @param consumedMicros   when this consumer's poll returned it (epoch microseconds)
     */
    record Delivery(TaskLeased lease, long kafkaTimestampMs, long consumedMicros) {}

    private final KafkaConsumer<String, String> consumer;
    private final int n;
    private final Map<String, Delivery> deliveries = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile boolean stop;
    private final Thread thread;
    volatile long firstMs = Long.MAX_VALUE;
    volatile long lastMs;

    private LeaseDeliveries(KafkaConsumer<String, String> consumer, int n) {
        this.consumer = consumer;
        this.n = n;
        this.thread = new Thread(this::poll, "lease-deliveries");
    }

    static LeaseDeliveries start(String bootstrapServers, int n) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.TASKS_LEASED).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        LeaseDeliveries deliveries = new LeaseDeliveries(consumer, n);
        deliveries.thread.start();
        return deliveries;
    }

    private void poll() {
        try {
            while (!stop && deliveries.size() < n) {
                var records = consumer.poll(Duration.ofMillis(100));
                long consumed = BenchSupport.nowMicros();
                for (ConsumerRecord<String, String> record : records) {
                    Envelope envelope = EventCodec.decode(record.value());
                    if (EventType.TASK_LEASED.wireName().equals(envelope.type())) {
                        String key = envelope.specId() + "/" + envelope.taskId();
                        Delivery delivery =
                                new Delivery(envelope.payloadAs(TaskLeased.class), record.timestamp(), consumed);
                        if (deliveries.putIfAbsent(key, delivery) == null) {
                            firstMs = Math.min(firstMs, record.timestamp());
                            lastMs = Math.max(lastMs, record.timestamp());
                        }
                    }
                }
            }
            done.complete(null);
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
    }

    /** Waits until all {@code n} tasks' leases arrived; fails if the dispatcher exits or the timeout passes. */
    void await(Duration timeout, ChildProcess dispatcher) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.isDone()) {
            dispatcher.checkAlive();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "only " + deliveries.size() + " of " + n + " leases delivered within " + timeout);
            }
            Thread.sleep(100);
        }
        done.get();
    }

    /** The delivery of {@code spec/task}, null if its lease has not arrived. */
    Delivery of(String spec, String task) {
        return deliveries.get(spec + "/" + task);
    }

    Collection<Delivery> all() {
        return deliveries.values();
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(5_000);
        consumer.close();
    }
}
