package dev.forgeline.embedded;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** A running Kafka broker: embedded here, or in a container in tests. */
public interface KafkaEndpoint extends AutoCloseable {
    /** Partitions of each topic the services use, as a deployment creates them. */
    int PARTITIONS = 4;

    String bootstrapServers();

    /** The settings of a client with every right on this broker: its bootstrap servers, and any credentials. */
    default Map<String, Object> adminSettings() {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    }

    /**
     * Creates the topics (those that exist already are left as they are). Topics made on first use cost the first
     * events seconds, since consumers see a new topic only at their next metadata refresh, so stacks and tests
     * create them before the services start, as a deployment would.
     */
    default void createTopics(Collection<String> topics) {
        Duration timeout = Duration.ofSeconds(60);
        try (Admin admin = Admin.create(adminSettings())) {
            var created = admin.createTopics(topics.stream()
                            .map(t -> new NewTopic(t, PARTITIONS, (short) 1))
                            .toList())
                    .values();
            for (var topic : created.values()) {
                try {
                    topic.get(timeout.toSeconds(), TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    // a broker started on kept data already has its topics
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException(
                                "could not create the Kafka topics: "
                                        + e.getCause().getMessage(),
                                e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the Kafka topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the broker did not create the Kafka topics within " + timeout, e);
        }
    }

    @Override
    void close();
}
