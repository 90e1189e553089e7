package dev.forgeline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The ACL table of docs/security.md, granted with the Admin API on a broker that authenticates with SCRAM-SHA-512
 * and refuses whatever no ACL allows, holds with real clients: each principal writes the topics of its row and no
 * other, reads the topics of its row with its consumer group and no other topic or group, cannot grant itself more,
 * and a client with a wrong password, an unknown name or no SASL at all gets nothing. The clients are configured
 * with the keys the services set ({@code security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaAclEnforcementTest {
    private static final Path TARGET = Path.of("target").toAbsolutePath();
    private static final Duration WAIT = Duration.ofSeconds(30);

    private List<KafkaAclTable.Row> rows;
    private Set<String> topics;
    private KafkaSasl sasl;
    private KafkaProcess kafka;

    @BeforeAll
    void startBrokerAndGrantTheDocumentedAcls() throws Exception {
        rows = KafkaAclTable.read();
        assertThat(rows)
                .as("rows of the ACL table in " + KafkaAclTable.SECURITY_DOC)
                .isNotEmpty();
        assertThat(rows.stream().map(KafkaAclTable.Row::principal).distinct())
                .as("one row per principal")
                .hasSize(rows.size());
        topics = new TreeSet<>();
        for (KafkaAclTable.Row row : rows) {
            assertThat(row.writes()).as(row.principal() + " writes something").isNotEmpty();
            topics.addAll(row.reads());
            topics.addAll(row.writes());
        }
        Map<String, String> passwords = new LinkedHashMap<>();
        rows.forEach(row -> passwords.put(row.principal(), secret()));
        sasl = new KafkaSasl("admin", secret(), passwords);
        kafka = KafkaProcess.startWithSasl(TARGET.resolve("sasl-kafka"), TARGET.resolve("sasl-kafka.log"), false, sasl);

        try (Admin admin = Admin.create(kafka.adminSettings())) {
            admin.createTopics(topics.stream()
                            .map(topic -> new NewTopic(topic, 1, (short) 1))
                            .toList())
                    .all()
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            admin.createAcls(documentedAcls()).all().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        // one record on every topic, written by the super user, for the readers to find
        try (KafkaProducer<String, String> producer = producer(kafka.adminSettings())) {
            for (String topic : topics) {
                producer.send(new ProducerRecord<>(topic, "seed", "seed")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        }
    }

    @AfterAll
    void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private List<AclBinding> documentedAcls() {
        return rows.stream().flatMap(row -> row.aclBindings().stream()).toList();
    }

    @Test
    void eachPrincipalWritesTheTopicsOfItsRowAndIsRefusedEveryOtherTopic() throws Exception {
        for (KafkaAclTable.Row row : rows) {
            try (KafkaProducer<String, String> producer = producer(settings(row.principal()))) {
                for (String topic : row.writes()) {
                    RecordMetadata written = producer.send(new ProducerRecord<>(topic, row.principal(), "allowed"))
                            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    assertThat(written.offset())
                            .as(row.principal() + " writes " + topic)
                            .isGreaterThanOrEqualTo(0);
                }
                for (String topic : othersThan(row.writes())) {
                    assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, row.principal(), "refused"))
                                    .get(WAIT.toSeconds(), TimeUnit.SECONDS))
                            .as(row.principal() + " writes " + topic)
                            .hasCauseInstanceOf(TopicAuthorizationException.class);
                }
            }
        }
    }

    @Test
    void eachPrincipalReadsTheTopicsOfItsRowWithItsGroupAndCommits() {
        for (KafkaAclTable.Row row : rows) {
            if (row.group().isEmpty()) {
                continue;
            }
            Map<String, Object> settings = new HashMap<>(settings(row.principal()));
            settings.put(ConsumerConfig.GROUP_ID_CONFIG, row.group().get());
            // the services' members are static
            settings.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, row.principal() + "-acl-test");
            settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            try (KafkaConsumer<String, String> consumer = consumer(settings)) {
                consumer.subscribe(row.reads());
                Set<String> seen = new HashSet<>();
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (!seen.containsAll(row.reads()) && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                        seen.add(record.topic());
                    }
                }
                assertThat(seen).as(row.principal() + " reads").containsExactlyInAnyOrderElementsOf(row.reads());
                consumer.commitSync(WAIT);
                Set<TopicPartition> partitions = row.reads().stream()
                        .map(topic -> new TopicPartition(topic, 0))
                        .collect(Collectors.toSet());
                assertThat(consumer.committed(partitions, WAIT).values())
                        .as(row.principal() + " commits its offsets in group "
                                + row.group().get())
                        .hasSize(row.reads().size())
                        .allSatisfy(committed -> assertThat(committed)
                                .extracting(OffsetAndMetadata::offset)
                                .isNotEqualTo(0L));
            }
        }
    }

    @Test
    void eachPrincipalIsRefusedEveryTopicOutsideItsReads() {
        for (KafkaAclTable.Row row : rows) {
            Map<String, Object> settings = new HashMap<>(settings(row.principal()));
            settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            // one consumer per topic: a topic the principal writes is refused at the fetch (Write lets it see the
            // topic's metadata), any other already at the metadata, and a consumer reports one refusal at a time
            for (String topic : othersThan(row.reads())) {
                try (KafkaConsumer<String, String> consumer = consumer(settings)) {
                    consumer.assign(List.of(new TopicPartition(topic, 0)));
                    assertThatThrownBy(() -> pollUntilRefused(consumer))
                            .as(row.principal() + " reads " + topic)
                            .isInstanceOfSatisfying(
                                    TopicAuthorizationException.class,
                                    e -> assertThat(e.unauthorizedTopics()).containsExactly(topic));
                }
            }
        }
    }

    @Test
    void eachReaderIsRefusedAnotherServicesGroup() {
        List<KafkaAclTable.Row> readers =
                rows.stream().filter(row -> row.group().isPresent()).toList();
        assertThat(readers)
                .as("two readers, so that one can try the other's group")
                .hasSizeGreaterThan(1);
        for (int i = 0; i < readers.size(); i++) {
            KafkaAclTable.Row row = readers.get(i);
            String othersGroup = readers.get((i + 1) % readers.size()).group().orElseThrow();
            Map<String, Object> settings = new HashMap<>(settings(row.principal()));
            settings.put(ConsumerConfig.GROUP_ID_CONFIG, othersGroup);
            settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            try (KafkaConsumer<String, String> consumer = consumer(settings)) {
                consumer.subscribe(row.reads());
                assertThatThrownBy(() -> pollUntilRefused(consumer))
                        .as(row.principal() + " joins group " + othersGroup)
                        .isInstanceOfSatisfying(
                                GroupAuthorizationException.class,
                                e -> assertThat(e.groupId()).isEqualTo(othersGroup));
            }
        }
    }

    @Test
    void noPrincipalCanGrantItselfMore() {
        for (KafkaAclTable.Row row : rows) {
            try (Admin admin = Admin.create(settings(row.principal()))) {
                AclBinding grab = KafkaAclTable.allow(row.principal(), ResourceType.TOPIC, "*", AclOperation.ALL);
                assertThatThrownBy(() -> admin.createAcls(List.of(grab)).all().get(WAIT.toSeconds(), TimeUnit.SECONDS))
                        .as(row.principal() + " grants itself every topic")
                        .hasCauseInstanceOf(ClusterAuthorizationException.class);
            }
        }
    }

    @Test
    void aWrongPasswordAnUnknownUserOrNoSaslGetsNothing() {
        String principal = rows.get(0).principal();
        for (Map<String, Object> credentials : List.of(
                KafkaSasl.clientSettings(principal, secret()), KafkaSasl.clientSettings("intruder", secret()))) {
            Map<String, Object> settings = new HashMap<>(credentials);
            settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            try (Admin admin = Admin.create(settings)) {
                assertThatThrownBy(() -> admin.describeCluster().nodes().get(WAIT.toSeconds(), TimeUnit.SECONDS))
                        .hasCauseInstanceOf(SaslAuthenticationException.class);
            }
        }
        // a plaintext client's first request after the version handshake is not SASL: the broker hangs up each time
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000))) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TimeoutException.class);
        }
    }

    /** Polls until the broker's refusal arrives as an exception (the test's deadline fails the test otherwise). */
    private static void pollUntilRefused(KafkaConsumer<String, String> consumer) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(500));
        }
        throw new AssertionError("no refusal within " + WAIT);
    }

    private Set<String> othersThan(Set<String> own) {
        Set<String> others = new TreeSet<>(topics);
        others.removeAll(own);
        return others;
    }

    private Map<String, Object> settings(String principal) {
        Map<String, Object> settings = new HashMap<>(sasl.userSettings(principal));
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return settings;
    }

    private static KafkaProducer<String, String> producer(Map<String, Object> connection) {
        Map<String, Object> settings = new HashMap<>(connection);
        settings.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        settings.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) WAIT.toMillis());
        return new KafkaProducer<>(settings);
    }

    private static KafkaConsumer<String, String> consumer(Map<String, Object> connection) {
        Map<String, Object> settings = new HashMap<>(connection);
        settings.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        settings.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return new KafkaConsumer<>(settings);
    }

    private static String secret() {
        return UUID.randomUUID().toString();
    }
}
