package dev.forgeline.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.MetricNames;
import dev.forgeline.contracts.Topics;
import dev.forgeline.stack.ForgelineClient;
import dev.forgeline.stack.Git;
import dev.forgeline.stack.LocalStack;
import dev.forgeline.stack.ServiceKind;
import dev.forgeline.testsupport.TestKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The wind tunnel: one real Kafka broker, one real PostgreSQL, and the five packaged services as separate OS
 * processes. A spec goes in over REST; merges come out on the target repository's main.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpecToMainIT {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private static final Path HOME =
            Path.of(System.getProperty("forgeline.home", "..")).toAbsolutePath().normalize();
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
                "QUARKUS_OTEL_METRIC_EXPORT_INTERVAL", "1s",
                "FORGELINE_METRICS_BUDGET_DAILY_USD", "100");
        stack = LocalStack.start(
                new LocalStack.Options(HOME, WORK, false, "wind-tunnel-worker", 2, "simulated", metricsExport),
                message -> System.out.println("[wind tunnel] " + message));
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
    @Order(3)
    void everyServiceExportsEveryInstrumentItOwns() {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    Map<String, java.util.Set<String>> received = otlp.metricsByService();
                    List<String> missing = new ArrayList<>();
                    for (MetricNames.Instrument instrument : MetricNames.ALL) {
                        java.util.Set<String> names =
                                received.getOrDefault(instrument.service() + "-service", java.util.Set.of());
                        if (!names.contains(instrument.name())) {
                            missing.add(instrument.service() + ": " + instrument.name());
                        }
                    }
                    assertThat(missing)
                            .as("instruments never exported; received %s", received)
                            .isEmpty();
                });
    }

    @Test
    @Order(1)
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

        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(states(client.spec(specId)))
                        .as("task states of %s", specId)
                        .containsExactly("T1=MERGED", "T2=MERGED", "T3=MERGED"));

        // main holds one merge per task, the dependent task's merge last
        List<String> mergedTasks = Arrays.stream(Git.run(
                                repo,
                                "log",
                                "--first-parent",
                                "--merges",
                                "--format=%(trailers:key=Forgeline-Task,valueonly,separator=)",
                                "main")
                        .split("\n"))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
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
                for (String topic : List.of(
                        Topics.TASKS_READY, Topics.TASKS_LEASED, Topics.TASKS_RESULTS, Topics.REVIEW_OUTCOMES)) {
                    Envelope event = kafka.awaitOne(topic, e -> specId.equals(e.specId()) && task.equals(e.taskId()));
                    traceByEvent.put(event.type(), traceId(event));
                }
                assertThat(traceByEvent.values())
                        .as("trace ids of %s's events: %s", task, traceByEvent)
                        .doesNotContainNull()
                        .containsOnly(traceByEvent.get("task.ready"));
            }
        }

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode summary = client.summary(specId);
            assertThat(summary.path("tasks").asInt()).isEqualTo(3);
            assertThat(summary.path("tasksByState").path("MERGED").asInt()).isEqualTo(3);
            assertThat(summary.path("linesMerged").asLong()).isPositive();
            assertThat(summary.path("linesAdded").asLong())
                    .isEqualTo(summary.path("linesMerged").asLong());
            assertThat(summary.path("computeMillis").asLong()).isPositive();
        });
    }

    /**
     * People in the loop, across the real processes: a vague task waits for a decision and runs once amended; a
     * task touching the auth surface waits for a person's review and merges once approved.
     */
    @Test
    @Order(2)
    void aVagueTaskWaitsForItsDecisionAndARiskyOneForItsReviewer() throws Exception {
        Path repo = targetRepository("decisions-repo");
        String spec = """
                # Spec: Decisions
                Base-branch: main

                ## Task: tidy - Tidy up
                Improve things.
                Test command: sh test/tidy_test.sh

                ## Task: auth - Login banner
                Print the banner the login screen of the auth module shows, so that users see which system they log into.
                Files: lib/auth.sh
                Inputs: none
                Outputs: the banner text on standard output
                Acceptance: sh test/auth_test.sh prints PASS
                Test command: sh test/auth_test.sh
                Estimate: 2m
                """;
        String specId = client.submit(spec, repo.toString()).path("id").asText();

        // the vague task is held with a decision request; amending it releases it
        JsonNode decision = await().atMost(Duration.ofSeconds(30))
                .until(() -> findDecision(specId, "tidy"), java.util.Objects::nonNull);
        assertThat(stateOf(specId, "tidy")).isEqualTo("NEEDS_DECISION");
        HttpResponse<String> amended = post(
                stack.url(ServiceKind.PLANNER),
                "/decisions/" + decision.path("id").asText(),
                "{\"action\":\"amend\",\"decidedBy\":\"ana\",\"text\":\"Print a tidy-up notice so that users know "
                        + "old files were removed.\\nFiles: lib/tidy.sh\\nInputs: none\\nOutputs: the notice on standard "
                        + "output\\nAcceptance: sh test/tidy_test.sh prints PASS\\nTest command: sh test/tidy_test.sh\\n"
                        + "Estimate: 2m\"}");
        assertThat(amended.statusCode()).as(amended.body()).isEqualTo(200);

        // the auth task waits for a person at level 2 or 3; approving it merges it
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(stateOf(specId, "auth")).isEqualTo("IN_REVIEW"));
        HttpResponse<String> approved = post(
                stack.url(ServiceKind.REVIEW),
                "/reviews/" + specId + "/auth/approve",
                "{\"reviewer\":\"bo\",\"comment\":\"banner reviewed\"}");
        assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);

        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(states(client.spec(specId)))
                        .containsExactlyInAnyOrder("tidy=MERGED", "auth=MERGED"));
    }

    private static JsonNode findDecision(String specId, String taskId) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(stack.url(ServiceKind.PLANNER).resolve("/decisions"))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        for (JsonNode d : JSON.readTree(response.body())) {
            if (specId.equals(d.path("specId").asText())
                    && taskId.equals(d.path("taskId").asText())) {
                return d;
            }
        }
        return null;
    }

    private static String stateOf(String specId, String taskId) {
        for (JsonNode t : client.spec(specId).path("tasks")) {
            if (taskId.equals(t.path("taskId").asText())) {
                return t.path("state").asText();
            }
        }
        return null;
    }

    private static HttpResponse<String> post(java.net.URI service, String path, String json) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(service.resolve(path))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(json))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    /** The trace id of the W3C traceparent ({@code 00-<trace id>-<span id>-<flags>}) the event carries. */
    private static String traceId(Envelope event) {
        String traceparent = event.traceContext().get("traceparent");
        return traceparent == null ? null : traceparent.split("-")[1];
    }

    private static List<String> states(JsonNode spec) {
        List<String> states = new ArrayList<>();
        spec.path("tasks")
                .forEach(t -> states.add(
                        t.path("taskId").asText() + "=" + t.path("state").asText()));
        return states;
    }

    private static Path targetRepository() throws IOException {
        return targetRepository("target-repo");
    }

    private static Path targetRepository(String name) throws IOException {
        Path repo = Files.createDirectories(WORK.resolve(name));
        Files.writeString(repo.resolve("README.md"), "# wind tunnel target\n");
        Git.run(repo, "init", "-q", "-b", "main");
        Git.run(repo, "add", "-A");
        Git.run(repo, "-c", "user.name=Test", "-c", "user.email=test@localhost", "commit", "-q", "-m", "init");
        return repo;
    }

    private static int run(Path dir, String... command) {
        try {
            Process p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .inheritIO()
                    .start();
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
