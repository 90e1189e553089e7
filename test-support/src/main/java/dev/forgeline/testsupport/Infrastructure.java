package dev.forgeline.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.forgeline.embedded.KafkaEndpoint;
import dev.forgeline.embedded.LocalKafka;
import dev.forgeline.embedded.LocalPostgres;
import dev.forgeline.embedded.PostgresEndpoint;
import org.testcontainers.DockerClientFactory;

/**
 * Starts the Kafka broker and PostgreSQL server tests run against: Testcontainers where a Docker engine
 * answers, otherwise the embedded servers. {@code forgeline.infra=embedded|containers} forces one.
 */
public final class Infrastructure {
    private Infrastructure() {}

    public static boolean useContainers() {
        String forced = System.getProperty("forgeline.infra", System.getenv().getOrDefault("FORGELINE_INFRA", ""));
        if (!forced.isBlank()) {
            return forced.equals("containers");
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    public static KafkaEndpoint startKafka(Path workDirectory) {
        return useContainers()
                ? ContainerInfrastructure.kafka()
                : LocalKafka.start(mkdirs(workDirectory.resolve("kafka")));
    }

    public static PostgresEndpoint startPostgres(Path workDirectory) {
        return useContainers()
                ? ContainerInfrastructure.postgres()
                : LocalPostgres.start(mkdirs(workDirectory.resolve("postgres")), 0);
    }

    static Path mkdirs(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
