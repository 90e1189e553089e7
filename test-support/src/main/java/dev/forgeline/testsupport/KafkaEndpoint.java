package dev.forgeline.testsupport;

/** A running Kafka broker, embedded or in a container. */
public interface KafkaEndpoint extends AutoCloseable {
    String bootstrapServers();

    @Override
    void close();
}
