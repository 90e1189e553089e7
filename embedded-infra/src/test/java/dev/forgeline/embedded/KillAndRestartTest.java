package dev.forgeline.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The broker and the database survive a kill -9 of their process: a restart on the same port keeps the data. */
class KillAndRestartTest {
    private static final Path TARGET = Path.of("target").toAbsolutePath();

    @Test
    void aKilledBrokerRestartsOnItsPortWithItsTopicsRecordsAndCommittedOffsets() throws Exception {
        try (KafkaProcess kafka = KafkaProcess.start(TARGET.resolve("kill-kafka"), TARGET.resolve("kill-kafka.log"))) {
            String bootstrap = kafka.bootstrapServers();
            TopicPartition partition = new TopicPartition("survives", 0);
            try (Admin admin = admin(bootstrap)) {
                admin.createTopics(List.of(new NewTopic("survives", 1, (short) 1)))
                        .all()
                        .get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
                for (int i = 0; i < 3; i++) {
                    producer.send(new ProducerRecord<>("survives", 0, "k", "v" + i))
                            .get(30, TimeUnit.SECONDS);
                }
            }
            try (KafkaConsumer<String, String> consumer = consumer(bootstrap)) {
                consumer.assign(List.of(partition));
                consumer.commitSync(Map.of(partition, new OffsetAndMetadata(2)));
            }
            long firstPid = kafka.pid();

            kafka.kill();
            assertThat(ProcessHandle.of(firstPid)).isEmpty();
            kafka.restart();

            assertThat(kafka.bootstrapServers()).isEqualTo(bootstrap);
            assertThat(kafka.pid()).isNotEqualTo(firstPid);
            try (KafkaConsumer<String, String> consumer = consumer(bootstrap)) {
                consumer.assign(List.of(partition));
                assertThat(consumer.committed(java.util.Set.of(partition), Duration.ofSeconds(30))
                                .get(partition)
                                .offset())
                        .isEqualTo(2);
                consumer.seekToBeginning(List.of(partition));
                assertThat(consumer.endOffsets(List.of(partition)).get(partition))
                        .isEqualTo(3);
            }
            // after the restart too, the relay listener tells its clients the advertised port (where a proxy goes)
            KafkaProcess.RelayListener relay = kafka.relayListener();
            // the metadata a client bootstrapped there gets first names the advertised port as the leader's address
            try (KafkaConsumer<String, String> relayed = consumer("localhost:" + relay.port())) {
                assertThat(relayed.partitionsFor("survives", Duration.ofSeconds(30)))
                        .singleElement()
                        .satisfies(info -> assertThat(info.leader().port()).isEqualTo(relay.advertisedPort()));
            }
            assertThat(relay.advertisedPort()).isNotEqualTo(relay.port());
        }
    }

    @Test
    void aKilledPostmasterRestartsOnItsPortAndDataWithEveryCommittedRow() throws Exception {
        try (PostgresProcess postgres = PostgresProcess.start(TARGET.resolve("kill-postgres"))) {
            try (Connection c = connect(postgres);
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE survivor (n int)");
                s.execute("INSERT INTO survivor SELECT generate_series(1, 100)");
            }
            long postmaster = postgres.pid();

            postgres.kill();
            assertThat(ProcessHandle.of(postmaster)).isEmpty();
            postgres.restart();

            assertThat(postgres.pid()).isNotEqualTo(postmaster);
            try (Connection c = connect(postgres);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM survivor")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(100);
            }
        }
    }

    /**
     * {@code ./forgeline down} then {@code up}: a broker and a database stopped cleanly and started again on kept
     * data (new ports) still hold their topics, records and rows; started without keeping, they are empty.
     */
    @Test
    void aStoppedBrokerAndDatabaseStartedOnKeptDataStillHoldItAndAFreshStartIsEmpty() throws Exception {
        Path kafkaDir = TARGET.resolve("kept-kafka");
        Path kafkaLog = TARGET.resolve("kept-kafka.log");
        Path postgresDir = TARGET.resolve("kept-postgres");
        try (KafkaProcess kafka = KafkaProcess.start(kafkaDir, kafkaLog, false);
                PostgresProcess postgres = PostgresProcess.start(postgresDir, false)) {
            try (Admin admin = admin(kafka.bootstrapServers())) {
                admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1)))
                        .all()
                        .get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
                producer.send(new ProducerRecord<>("kept", 0, "k", "v")).get(30, TimeUnit.SECONDS);
            }
            try (Connection c = connect(postgres);
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE kept (n int)");
                s.execute("INSERT INTO kept VALUES (7)");
            }
        }

        try (KafkaProcess kafka = KafkaProcess.start(kafkaDir, kafkaLog, true);
                PostgresProcess postgres = PostgresProcess.start(postgresDir, true)) {
            TopicPartition partition = new TopicPartition("kept", 0);
            try (KafkaConsumer<String, String> consumer = consumer(kafka.bootstrapServers())) {
                assertThat(consumer.endOffsets(List.of(partition), Duration.ofSeconds(30))
                                .get(partition))
                        .isEqualTo(1);
            }
            try (Connection c = connect(postgres);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT n FROM kept")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(7);
            }
        }

        try (KafkaProcess kafka = KafkaProcess.start(kafkaDir, kafkaLog, false);
                PostgresProcess postgres = PostgresProcess.start(postgresDir, false)) {
            try (Admin admin = admin(kafka.bootstrapServers())) {
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain("kept");
            }
            try (Connection c = connect(postgres);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT to_regclass('public.kept') IS NULL")) {
                rs.next();
                assertThat(rs.getBoolean(1)).as("the table is gone").isTrue();
            }
        }
    }

    private static Connection connect(PostgresProcess postgres) throws Exception {
        return DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    private static KafkaConsumer<String, String> consumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG,
                "survivor",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class));
    }
}
