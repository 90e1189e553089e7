package dev.forgeline.testsupport;

import dev.forgeline.embedded.KafkaEndpoint;
import dev.forgeline.embedded.LocalPostgres;
import dev.forgeline.embedded.PostgresEndpoint;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** Kafka and PostgreSQL in Docker containers, used wherever a Docker engine answers. */
final class ContainerInfrastructure {
    private ContainerInfrastructure() {}

    static KafkaEndpoint kafka() {
        KafkaContainer container = new KafkaContainer("apache/kafka:4.1.1");
        container.start();
        return new KafkaEndpoint() {
            @Override
            public String bootstrapServers() {
                return container.getBootstrapServers();
            }

            @Override
            public void close() {
                container.stop();
            }
        };
    }

    static PostgresEndpoint postgres() {
        PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine")
                .withDatabaseName(LocalPostgres.DATABASE)
                .withCommand("postgres", "-c", "max_connections=300", "-c", "fsync=off");
        container.start();
        return new PostgresEndpoint() {
            @Override
            public String jdbcUrl() {
                return container.getJdbcUrl();
            }

            @Override
            public String username() {
                return container.getUsername();
            }

            @Override
            public String password() {
                return container.getPassword();
            }

            @Override
            public void close() {
                container.stop();
            }
        };
    }
}
