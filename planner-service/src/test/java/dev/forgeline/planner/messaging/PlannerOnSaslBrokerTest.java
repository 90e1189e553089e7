package dev.forgeline.planner.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import jakarta.inject.Inject;

import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.TaskCommandKind;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.TaskCommand;
import dev.forgeline.embedded.KafkaAclTable;
import dev.forgeline.embedded.KafkaProcess;
import dev.forgeline.embedded.KafkaSasl;
import dev.forgeline.embedded.PostgresEndpoint;
import dev.forgeline.support.outbox.Outbox;
import dev.forgeline.support.outbox.OutboxRelay;
import dev.forgeline.testsupport.Infrastructure;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * The planner on a broker that authenticates with SCRAM-SHA-512 and allows only the ACLs of docs/security.md: with
 * its {@code kafka.security.protocol}/{@code kafka.sasl.*} settings as the principal {@code planner}, its channels
 * join the group {@code planner-service} and its outbox relay publishes.
 */
@QuarkusTest
@TestProfile(PlannerOnSaslBrokerTest.OnSaslBroker.class)
class PlannerOnSaslBrokerTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    Outbox outbox;

    @Inject
    OutboxRelay relay;

    @Test
    void theChannelsJoinTheGroupAndTheOutboxRelayPublishesAsThePlannerPrincipal() throws Exception {
        // the super user, who may read every topic and describe every group
        Map<String, Object> admin = new HashMap<>(KafkaSasl.clientSettings(
                "admin", ConfigProvider.getConfig().getValue(SaslBrokerResource.ADMIN_PASSWORD, String.class)));
        admin.put(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
        try (Admin client = Admin.create(admin)) {
            // three incoming channels, each a static member of planner-service
            ConsumerGroupDescription group = await().atMost(WAIT)
                    .until(
                            () -> client.describeConsumerGroups(List.of("planner-service"))
                                    .describedGroups()
                                    .get("planner-service")
                                    .get(10, TimeUnit.SECONDS),
                            g -> g.groupState() == GroupState.STABLE
                                    && g.members().size() == 3);
            assertThat(group.members())
                    .allSatisfy(member -> assertThat(member.groupInstanceId()).isPresent());
        }

        String spec = "sasl-" + UUID.randomUUID();
        long publishedBefore = relay.publishedCount();
        QuarkusTransaction.requiringNew()
                .run(() -> outbox.append(
                        EventType.TASK_COMMAND,
                        spec,
                        "T1",
                        spec + "/T1",
                        new TaskCommand(spec, "T1", TaskCommandKind.SUPERSEDE, 1, "over SASL")));
        Map<String, Object> settings = new HashMap<>(admin);
        settings.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        settings.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(settings)) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.TASKS_COMMANDS, WAIT).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<String> delivered = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (spec.equals(EventCodec.decode(record.value()).specId())) {
                        delivered.add(record.key());
                    }
                }
                return !delivered.isEmpty();
            });
            assertThat(delivered).containsExactly(spec + "/T1");
        }
        assertThat(relay.publishedCount()).isGreaterThan(publishedBefore);
    }

    public static class OnSaslBroker implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(SaslBrokerResource.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    /**
     * A broker with SASL and the documented ACLs (topics created by the super user, since no service may create one)
     * and a PostgreSQL; the planner gets the principal {@code planner}'s settings.
     */
    public static class SaslBrokerResource implements QuarkusTestResourceLifecycleManager {
        /** The test reads the super user's password from here: the test runs in another class loader. */
        static final String ADMIN_PASSWORD = "sasl-test.admin-password";

        private KafkaProcess kafka;
        private PostgresEndpoint postgres;

        @Override
        public Map<String, String> start() {
            try {
                Path work = Files.createDirectories(
                        Path.of("target", "sasl-infra-" + System.nanoTime()).toAbsolutePath());
                List<KafkaAclTable.Row> rows = KafkaAclTable.read();
                Map<String, String> passwords = new LinkedHashMap<>();
                rows.forEach(
                        row -> passwords.put(row.principal(), UUID.randomUUID().toString()));
                KafkaSasl sasl = new KafkaSasl("admin", UUID.randomUUID().toString(), passwords);
                kafka = KafkaProcess.startWithSasl(work.resolve("kafka"), work.resolve("kafka.log"), false, sasl);
                Set<String> topics = new TreeSet<>();
                rows.forEach(row -> {
                    topics.addAll(row.reads());
                    topics.addAll(row.writes());
                });
                try (Admin admin = Admin.create(kafka.adminSettings())) {
                    admin.createTopics(topics.stream()
                                    .map(topic -> new NewTopic(topic, 1, (short) 1))
                                    .toList())
                            .all()
                            .get(30, TimeUnit.SECONDS);
                    admin.createAcls(rows.stream()
                                    .flatMap(row -> row.aclBindings().stream())
                                    .toList())
                            .all()
                            .get(30, TimeUnit.SECONDS);
                }
                postgres = Infrastructure.startPostgres(work);
                Map<String, String> config = new HashMap<>();
                config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
                config.put(ADMIN_PASSWORD, sasl.superPassword());
                sasl.userSettings("planner").forEach((key, value) -> config.put("kafka." + key, value.toString()));
                config.put("quarkus.datasource.jdbc.url", postgres.jdbcUrl());
                config.put("quarkus.datasource.username", postgres.username());
                config.put("quarkus.datasource.password", postgres.password());
                return config;
            } catch (Exception e) {
                stop();
                throw new IllegalStateException("could not start the SASL broker for the planner", e);
            }
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
}
