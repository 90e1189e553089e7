package dev.forgeline.embedded;

/** A running Kafka broker: embedded here, or in a container in tests. */
public interface KafkaEndpoint extends AutoCloseable {
    String bootstrapServers();

    @Override
    void close();
}
