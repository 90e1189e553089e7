package dev.forgeline.testsupport;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import dev.forgeline.contracts.Topics;
import dev.forgeline.embedded.KafkaEndpoint;
import dev.forgeline.embedded.PostgresEndpoint;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Quarkus test resource: one real Kafka broker and one real PostgreSQL for a test module's application.
 * Set {@code kafka=false} or {@code postgres=false} as init arguments to leave one out.
 */
public class ForgelineInfraResource implements QuarkusTestResourceLifecycleManager {
    private KafkaEndpoint kafka;
    private PostgresEndpoint postgres;
    private boolean withKafka = true;
    private boolean withPostgres = true;

    @Override
    public void init(Map<String, String> initArgs) {
        withKafka = !"false".equals(initArgs.get("kafka"));
        withPostgres = !"false".equals(initArgs.get("postgres"));
    }

    @Override
    public Map<String, String> start() {
        // under the module's target/ so that a build leaves nothing behind elsewhere
        Path work = Infrastructure.mkdirs(
                Path.of("target", "infra-" + System.nanoTime()).toAbsolutePath());
        Map<String, String> config = new HashMap<>();
        if (withKafka) {
            kafka = Infrastructure.startKafka(work);
            kafka.createTopics(Topics.ALL);
            kafka.createTopics(Topics.DEAD_LETTERS);
            config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        }
        if (withPostgres) {
            postgres = Infrastructure.startPostgres(work);
            config.put("quarkus.datasource.jdbc.url", postgres.jdbcUrl());
            config.put("quarkus.datasource.username", postgres.username());
            config.put("quarkus.datasource.password", postgres.password());
        }
        return config;
    }

    @Override
    public void stop() {
        if (kafka != null) {
            kafka.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }
}
