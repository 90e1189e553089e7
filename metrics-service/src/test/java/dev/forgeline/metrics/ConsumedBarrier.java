package dev.forgeline.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Waits until the metrics service's consumer group has committed every record published so far on the given topics:
 * the service commits an offset only after the record's transaction committed, so every record was handled then.
 */
final class ConsumedBarrier {
    private ConsumedBarrier() {}

    static void awaitConsumed(List<String> topics, Duration timeout) {
        Properties props = new Properties();
        props.put(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
        try (Admin admin = Admin.create(props)) {
            await().atMost(timeout).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                admin.describeTopics(topics)
                        .allTopicNames()
                        .get()
                        .forEach((topic, description) -> description
                                .partitions()
                                .forEach(p ->
                                        latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
                var ends = admin.listOffsets(latest).all().get();
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("metrics-service")
                        .partitionsToOffsetAndMetadata()
                        .get();
                ends.forEach((partition, end) -> {
                    long at = committed.get(partition) == null
                            ? 0
                            : committed.get(partition).offset();
                    assertThat(at).as("committed offset of %s", partition).isGreaterThanOrEqualTo(end.offset());
                });
            });
        }
    }
}
