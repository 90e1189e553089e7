package dev.forgeline.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.MetricNames;
import dev.forgeline.contracts.Topics;
import dev.forgeline.stack.ForgelineClient;
import dev.forgeline.stack.Git;
import dev.forgeline.stack.LocalStack;
import dev.forgeline.stack.ServiceKind;
import dev.forgeline.testsupport.TestKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The wind tunnel: one real Kafka broker, one real PostgreSQL, and the five packaged services as separate OS
 * processes. A spec goes in over REST; merges come out on the target repository's main.
 */
class SpecToMainIT {
    private static final Path HOME = Path.of(System.getProperty("forgeline.home", "..")).toAbsolutePath().normalize();
    private static final Path WORK = HOME.resolve("system-test/target/wind-tunnel");
    private static LocalStack stack;
    private static ForgelineClient client;
    private static OtlpMetricsReceiver otlp;

    @BeforeAll
    static void startStack() throws IOException {
        deleteRecursively(WORK);
        otlp = new OtlpMetricsReceiver();
        // every service exports its metrics here, each second, as it would to a collector
        Map<String, String> metricsExport = Map.of(
                "QUARKUS_OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", otlp.endpoint().toString(),
                "QUARKUS_OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "http/protobuf",
                "QUARKUS_OTEL_METRIC_EXPORT_INTERVAL", "1s");
        stack = LocalStack.start(new LocalStack.Options(HOME, WORK, false, "wind-tunnel-worker", 2, "simulated",
                metricsExport), message -> System.out.println("[wind tunnel] " + message));
        client = new ForgelineClient(stack.url(ServiceKind.PLANNER), stack.url(ServiceKind.METRICS));
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
        if (otlp != null) {
            otlp.close();
        }
    }

    /**
     * Every instrument in {@link MetricNames#ALL} (which the dashboards' series are checked against in the metrics
     * service's tests) really reaches an OpenTelemetry endpoint from the service that owns it.
     */
    @Test
    void everyServiceExportsEveryInstrumentItOwns() {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            Map<String, java.util.Set<String>> received = otlp.metricsByService();
            List<String> missing = new ArrayList<>();
            for (MetricNames.Instrument instrument : MetricNames.ALL) {
                java.util.Set<String> names = received.getOrDefault(instrument.service() + "-service", java.util.Set.of());
                if (!names.contains(instrument.name())) {
                    missing.add(instrument.service() + ": " + instrument.name());
                }
            }
            assertThat(missing).as("instruments never exported; received %s", received).isEmpty();
        });
    }

    @Test
    void threeTaskSpecEndsMergedOnMainWithTheDependentTaskLast() throws IOException {
        Path repo = targetRepository();
        String spec = """
                # Spec: Wind tunnel
                Base-branch: main

                ## Task: T1 - Greeting
                Add a greeting function.
                Acceptance: prints a greeting
                Test command: sh test/t1_test.sh
                Estimate: 2m

                ## Task: T2 - Farewell
                Add a farewell function.
                Acceptance: prints a farewell
                Test command: sh test/t2_test.sh
                Estimate: 2m

                ## Task: T3 - Conversation
                Combine greeting and farewell.
                Depends-on: T1, T2
                Acceptance: prints both
                Test command: sh test/t3_test.sh
                Estimate: 2m
                """;

        JsonNode submitted = client.submit(spec, repo.toString());
        String specId = submitted.path("id").asText();

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(states(client.spec(specId))).as("task states of %s", specId)
                        .containsExactly("T1=MERGED", "T2=MERGED", "T3=MERGED"));

        // main holds one merge per task, the dependent task's merge last
        List<String> mergedTasks = Arrays.stream(Git.run(repo, "log", "--first-parent", "--merges",
                        "--format=%(trailers:key=Forgeline-Task,valueonly,separator=)", "main").split("\n"))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        assertThat(mergedTasks).hasSize(3);
        assertThat(mergedTasks.get(0)).isEqualTo(specId + "/T3");
        assertThat(mergedTasks.subList(1, 3)).containsExactlyInAnyOrder(specId + "/T1", specId + "/T2");

        // the merged work is on main and its tests pass there
        Git.run(repo, "checkout", "-q", "main");
        for (String test : List.of("test/t1_test.sh", "test/t2_test.sh", "test/t3_test.sh")) {
            assertThat(repo.resolve(test)).exists();
            assertThat(run(repo, "sh", test)).as(test).isZero();
        }

        // one trace follows each task from REST ingest through dispatch, the worker and the review
        try (TestKafka kafka = new TestKafka(stack.kafkaBootstrapServers())) {
            for (String task : List.of("T1", "T2")) {
                Map<String, String> traceByEvent = new java.util.TreeMap<>();
                for (String topic : List.of(Topics.TASKS_READY, Topics.TASKS_LEASED, Topics.TASKS_RESULTS,
                        Topics.REVIEW_OUTCOMES)) {
                    Envelope event = kafka.awaitOne(topic,
                            e -> specId.equals(e.specId()) && task.equals(e.taskId()));
                    traceByEvent.put(event.type(), traceId(event));
                }
                assertThat(traceByEvent.values()).as("trace ids of %s's events: %s", task, traceByEvent)
                        .doesNotContainNull().containsOnly(traceByEvent.get("task.ready"));
            }
        }

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode summary = client.summary(specId);
            assertThat(summary.path("tasks").asInt()).isEqualTo(3);
            assertThat(summary.path("tasksByState").path("MERGED").asInt()).isEqualTo(3);
            assertThat(summary.path("linesMerged").asLong()).isPositive();
            assertThat(summary.path("linesAdded").asLong()).isEqualTo(summary.path("linesMerged").asLong());
            assertThat(summary.path("computeMillis").asLong()).isPositive();
        });
    }

    /** The trace id of the W3C traceparent ({@code 00-<trace id>-<span id>-<flags>}) the event carries. */
    private static String traceId(Envelope event) {
        String traceparent = event.traceContext().get("traceparent");
        return traceparent == null ? null : traceparent.split("-")[1];
    }

    private static List<String> states(JsonNode spec) {
        List<String> states = new ArrayList<>();
        spec.path("tasks").forEach(t -> states.add(t.path("taskId").asText() + "=" + t.path("state").asText()));
        return states;
    }

    private static Path targetRepository() throws IOException {
        Path repo = Files.createDirectories(WORK.resolve("target-repo"));
        Files.writeString(repo.resolve("README.md"), "# wind tunnel target\n");
        Git.run(repo, "init", "-q", "-b", "main");
        Git.run(repo, "add", "-A");
        Git.run(repo, "-c", "user.name=Test", "-c", "user.email=test@localhost", "commit", "-q", "-m", "init");
        return repo;
    }

    private static int run(Path dir, String... command) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).inheritIO().start();
            return p.waitFor();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
