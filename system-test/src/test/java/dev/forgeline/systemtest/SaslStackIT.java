package dev.forgeline.systemtest;

import static dev.forgeline.systemtest.ScratchFiles.deleteRecursively;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeline.contracts.Topics;
import dev.forgeline.embedded.KafkaProcess;
import dev.forgeline.stack.ForgelineClient;
import dev.forgeline.stack.LocalStack;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole stack on a broker that authenticates every client (SASL SCRAM-SHA-512, a user per service) and allows
 * each only the ACLs of docs/security.md: a spec goes from {@code POST /specs} to merged on main through every
 * service and the worker, so the documented table is enough for the real services, and a client without
 * credentials, or with a worker's, gets nothing it is not granted.
 */
class SaslStackIT {
    private static final Path HOME = ScratchFiles.HOME;
    private static final Path WORK = HOME.resolve("system-test/target/sasl-stack");
    private static LocalStack stack;
    private static ForgelineClient client;

    @BeforeAll
    static void startStack() throws IOException {
        deleteRecursively(WORK);
        stack = LocalStack.start(
                new LocalStack.Options(HOME, WORK, false, "sasl-worker-1", 2, "simulated", Map.of()).withKafkaSasl(),
                message -> System.out.println("[sasl stack] " + message));
        client = stack.client();
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aSpecIsMergedWithEveryServiceOnItsOwnKafkaUserAndTheDocumentedAcls() throws IOException {
        Path repo = ScratchFiles.targetRepository(WORK.resolve("target-repo"), "sasl target");
        JsonNode submitted = client.submit("""
                # Spec: Over SASL
                Base-branch: main

                ## Task: T1 - Greeting
                Add a greeting function.
                Acceptance: prints a greeting
                Test command: sh test/t1_test.sh
                Estimate: 2m

                ## Task: T2 - Conversation
                Greet twice.
                Depends-on: T1
                Acceptance: prints two greetings
                Test command: sh test/t2_test.sh
                Estimate: 2m
                """, repo.toString());
        String specId = submitted.path("id").asText();

        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(states(client.spec(specId)))
                        .as("task states of %s", specId)
                        .containsExactly("T1=MERGED", "T2=MERGED"));
        assertThat(ScratchFiles.git(repo, "log", "--first-parent", "--merges", "--format=%s", "main")
                        .lines()
                        .count())
                .isEqualTo(2);
    }

    @Test
    void theBrokerRefusesAClientWithoutCredentialsAndAWorkerReadsNoTopic() {
        String bootstrap = stack.kafkaBootstrapServers();
        try (Admin anonymous = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                5000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                2000))) {
            assertThatThrownBy(() -> anonymous.listTopics().names().get(10, TimeUnit.SECONDS))
                    .as("a plaintext client on the SASL listener")
                    .isNotNull();
        }

        Map<String, Object> worker = new java.util.HashMap<>(kafkaSettings("worker"));
        worker.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        worker.put(ConsumerConfig.GROUP_ID_CONFIG, "worker-service");
        worker.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        worker.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(worker)) {
            consumer.subscribe(List.of(Topics.TASKS_LEASED));
            assertThatThrownBy(() -> {
                        for (int i = 0; i < 30; i++) {
                            consumer.poll(Duration.ofSeconds(1));
                        }
                    })
                    .as("the worker user reading the leases topic")
                    .isInstanceOfAny(
                            TopicAuthorizationException.class,
                            org.apache.kafka.common.errors.GroupAuthorizationException.class);
        }
    }

    @Test
    void theBrokersUsersAreKeptReadableByTheirOwnerOnly() throws IOException {
        Path users = KafkaProcess.saslUsersFile(WORK.resolve("kafka"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(users)))
                .isEqualTo("rw-------");
        // the services get their user's credentials in their environment, never on a command line or in the logs
        String password = stack.kafkaClientEnvironment("planner").get("KAFKA_SASL_JAAS_CONFIG");
        assertThat(password).contains("username=\"planner\"");
        String secret = password.replaceAll(".*password=\"([^\"]+)\".*", "$1");
        try (var logs = Files.list(WORK.resolve("logs"))) {
            for (Path log : logs.toList()) {
                assertThat(Files.readString(log)).as("%s", log).doesNotContain(secret);
            }
        }
    }

    private static Map<String, String> kafkaSettings(String principal) {
        Map<String, String> settings = new java.util.HashMap<>();
        stack.kafkaClientEnvironment(principal)
                .forEach((key, value) -> settings.put(
                        key.substring("KAFKA_".length())
                                .toLowerCase(java.util.Locale.ROOT)
                                .replace('_', '.'),
                        value));
        return settings;
    }

    private static List<String> states(JsonNode spec) {
        List<String> states = new ArrayList<>();
        spec.path("tasks")
                .forEach(t -> states.add(
                        t.path("taskId").asText() + "=" + t.path("state").asText()));
        return states;
    }
}
