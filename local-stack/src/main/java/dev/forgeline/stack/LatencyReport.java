package dev.forgeline.stack;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads every Forgeline topic of a running stack from the beginning and reports, per hop of a task's way
 * (ready, leased, result, merged), how long it took, and per topic how long events waited between being written
 * (to an outbox or by a worker) and being sent to Kafka. Times come from the envelopes' {@code occurredAt} and the
 * records' Kafka timestamps, so the report can be taken after the fact.
 */
final class LatencyReport {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private LatencyReport() {}

    static void print(String bootstrapServers, PrintStream out) {
        Map<String, Map<String, Instant>> byTask = new TreeMap<>();
        Map<String, List<Long>> sendLag = new TreeMap<>();
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            // assigned, not subscribed: no group to join, and the report reads exactly what was written before it
            // started (the end offsets taken now), however long the broker takes to answer
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : Topics.ALL) {
                var infos = consumer.partitionsFor(topic, READ_TIMEOUT);
                if (infos != null) { // a topic nothing was written to yet
                    infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, READ_TIMEOUT);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (!readUpTo(consumer, ends)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the broker did not serve every topic to its end within "
                            + READ_TIMEOUT.toSeconds() + " s");
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    Envelope event = EventCodec.decode(record.value());
                    sendLag.computeIfAbsent(record.topic(), t -> new ArrayList<>())
                            .add(record.timestamp() - event.occurredAt().toEpochMilli());
                    String step = switch (event.type()) {
                        case "task.ready" -> "ready";
                        case "task.leased" -> "leased";
                        case "task.result" -> "result";
                        case "review.outcome" ->
                            "review." + event.payload().path("state").asText();
                        default -> null;
                    };
                    if (step != null) {
                        byTask.computeIfAbsent(event.specId() + "/" + event.taskId(), k -> new HashMap<>())
                                .putIfAbsent(step, event.occurredAt());
                    }
                }
            }
        }
        Map<String, List<Long>> hops = new LinkedHashMap<>();
        for (String hop : List.of("ready -> leased", "leased -> result", "result -> merged", "ready -> merged")) {
            hops.put(hop, new ArrayList<>());
        }
        for (Map<String, Instant> steps : byTask.values()) {
            Instant ready = steps.get("ready");
            Instant leased = steps.get("leased");
            Instant result = steps.get("result");
            Instant merged = steps.get("review.MERGED");
            if (ready == null || leased == null || result == null || merged == null) {
                continue;
            }
            hops.get("ready -> leased").add(Duration.between(ready, leased).toMillis());
            hops.get("leased -> result").add(Duration.between(leased, result).toMillis());
            hops.get("result -> merged").add(Duration.between(result, merged).toMillis());
            hops.get("ready -> merged").add(Duration.between(ready, merged).toMillis());
        }
        out.printf(
                "tasks merged: %d (of %d seen); first attempts only%n",
                hops.get("ready -> merged").size(), byTask.size());
        hops.forEach((hop, millis) -> out.println(line(hop, millis)));
        out.println("written -> sent to Kafka, per topic:");
        sendLag.forEach((topic, millis) -> out.println(line("  " + topic, millis)));
    }

    private static boolean readUpTo(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (consumer.position(end.getKey(), READ_TIMEOUT) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static String line(String name, List<Long> millis) {
        if (millis.isEmpty()) {
            return String.format("%-32s no data", name);
        }
        Collections.sort(millis);
        return String.format(
                "%-32s n=%-5d p50 %5d ms  p95 %5d ms  max %5d ms",
                name,
                millis.size(),
                millis.get(millis.size() / 2),
                millis.get((int) Math.ceil(millis.size() * 0.95) - 1),
                millis.get(millis.size() - 1));
    }
}
