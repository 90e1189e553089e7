package dev.forgeline.systemtest;

import static dev.forgeline.systemtest.ScratchFiles.deleteRecursively;
import static dev.forgeline.systemtest.ScratchFiles.git;
import static dev.forgeline.systemtest.ScratchFiles.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.MetricNames;
import dev.forgeline.contracts.Topics;
import dev.forgeline.stack.ForgelineClient;
import dev.forgeline.stack.LocalStack;
import dev.forgeline.stack.ServiceKind;
import dev.forgeline.stack.TaskStatusLines;
import dev.forgeline.testsupport.TestKafka;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The wind tunnel: one real Kafka broker, one real PostgreSQL, and the five packaged services as separate OS
 * processes. A spec goes in over REST; merges come out on the target repository's main. The stack is the
 * {@link SharedStack} (its worker's capacity is 4, every service exports its metrics to its OTLP receiver); this
 * class's specs and target repositories are its own.
 */
@ExtendWith(SharedStack.Resolver.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpecToMainIT {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private static final Path HOME = ScratchFiles.HOME;
    private static final Path WORK = HOME.resolve("system-test/target/wind-tunnel");
    private static LocalStack stack;
    private static ForgelineClient client;
    /** The shared stack's receiver: it holds the metrics of every class that used the stack so far. */
    private static OtlpMetricsReceiver otlp;
    /** The three-task spec of the first scenario, once submitted. */
    private static String mergedSpecId;
    /**
     * Counter and histogram readings other classes' specs on the shared stack left, by series: this class's checks
     * count only what its own scenarios add on top.
     */
    private static Map<String, Double> before = Map.of();

    @BeforeAll
    static void useTheSharedStack(SharedStack shared) throws IOException {
        deleteRecursively(WORK);
        stack = shared.stack();
        otlp = shared.otlp();
        client = stack.client();
        // a class that used the stack before may still have exports in flight (each service sends every second):
        // wait for two readings in a row to agree. Node heartbeats keep one counter moving, so they may never agree;
        // then the readings at the end of the wait are the baseline, which still only discounts earlier events.
        AtomicReference<Map<String, Double>> previous = new AtomicReference<>(cumulativeReadings());
        try {
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofSeconds(2))
                    .until(() -> {
                        Map<String, Double> now = cumulativeReadings();
                        return now.equals(previous.getAndSet(now));
                    });
        } catch (ConditionTimeoutException stillMoving) {
            System.out.println("[wind tunnel] metrics still moving after 20 s; baseline taken now");
        }
        before = cumulativeReadings();
    }

    /** The latest reading of every counter and histogram series received so far, by series. */
    private static Map<String, Double> cumulativeReadings() {
        Map<String, Double> readings = new java.util.TreeMap<>();
        for (MetricNames.Instrument instrument : MetricNames.ALL) {
            if (cumulative(instrument)) {
                for (OtlpMetricsReceiver.Series series :
                        otlp.series(instrument.service() + "-service", instrument.name())) {
                    readings.put(seriesKey(instrument, series), series.latest());
                }
            }
        }
        return readings;
    }

    private static boolean cumulative(MetricNames.Instrument instrument) {
        return instrument.kind() == MetricNames.Kind.COUNTER || instrument.kind() == MetricNames.Kind.HISTOGRAM;
    }

    private static String seriesKey(MetricNames.Instrument instrument, OtlpMetricsReceiver.Series series) {
        return instrument.service() + "/" + instrument.name() + new java.util.TreeMap<>(series.attributes());
    }

    /**
     * Every instrument the two scenarios above drive reaches an OpenTelemetry endpoint from the service that owns it,
     * with real (non-zero) points carrying the attributes {@link MetricNames} declares. Counters have no series
     * before their first event, so an instrument the scenarios do not drive is either absent or shows a real event.
     * Instruments no scenario here drives are covered by module tests (see docs/metrics.md, "Where each instrument
     * is tested").
     */
    @Test
    @Order(3)
    void everyInstrumentTheScenariosDriveIsExportedWithRealPointsAndItsAttributes() throws Exception {
        assertThat(mergedSpecId).as("the first scenario ran").isNotNull();
        // the retention gauge needs a scan of the target repository's main
        HttpResponse<String> scan = post(stack.url(ServiceKind.METRICS), "/retention/scans", "{}");
        assertThat(scan.statusCode()).as(scan.body()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    List<String> wrong = new ArrayList<>();
                    // planner
                    atLeast(wrong, MetricNames.PLANNER_SPECS, Map.of(), 2);
                    atLeast(wrong, MetricNames.PLANNER_TASKS, Map.of(), 5);
                    atLeast(wrong, MetricNames.PLANNER_DECISION_LAG, Map.of(), 1);
                    present(wrong, MetricNames.PLANNER_DECISIONS_PENDING, Map.of("kind", "SPEC_QUALITY"));
                    // dispatcher
                    atLeast(wrong, MetricNames.DISPATCHER_LEASES, Map.of(), 5);
                    atLeast(wrong, MetricNames.DISPATCHER_HEARTBEATS, Map.of("kind", "node"), 1);
                    atLeast(wrong, MetricNames.DISPATCHER_SCHEDULE_TO_START, Map.of(), 5);
                    atLeast(wrong, MetricNames.DISPATCHER_NODES, Map.of("status", "READY"), 1);
                    present(wrong, MetricNames.DISPATCHER_QUEUE_DEPTH, Map.of("state", "READY"));
                    present(wrong, MetricNames.DISPATCHER_SLOTS_FREE, Map.of());
                    present(wrong, MetricNames.DISPATCHER_BREAKER_STATE, Map.of("scope", "GLOBAL", "key", "fleet"));
                    // worker
                    atLeast(
                            wrong,
                            MetricNames.WORKER_ATTEMPTS,
                            Map.of("outcome", "succeeded", "failure_class", "none"),
                            5);
                    atLeast(wrong, MetricNames.WORKER_AGENT_TOKENS, Map.of("direction", "input"), 1);
                    atLeast(wrong, MetricNames.WORKER_AGENT_TOKENS, Map.of("direction", "output"), 1);
                    atLeast(wrong, MetricNames.WORKER_AGENT_COST, Map.of(), 0.2); // 0.05 USD for each of 5 tasks
                    atLeast(wrong, MetricNames.WORKER_COMPUTE_TIME, Map.of(), 0.001);
                    present(wrong, MetricNames.WORKER_RUNNING, Map.of());
                    // review: three-task spec merged automatically, the auth task approved by a person
                    atLeast(wrong, MetricNames.REVIEW_TRIAGED, Map.of(), 5);
                    atLeast(wrong, MetricNames.REVIEW_MERGES, Map.of("auto", "true"), 3);
                    atLeast(wrong, MetricNames.REVIEW_MERGES, Map.of("auto", "false"), 1);
                    atLeast(wrong, MetricNames.REVIEW_DECISION_LAG, Map.of(), 1);
                    present(wrong, MetricNames.REVIEW_BACKLOG, Map.of("level", "2"));
                    // metrics service: figures of the merged spec
                    atLeast(wrong, MetricNames.METRICS_COST_SPEC, Map.of("spec_id", mergedSpecId), 0.1);
                    // the stack runs with a day budget only (no spec sets one): its use moves with the agents' cost
                    atLeast(wrong, MetricNames.METRICS_BUDGET_USED, Map.of("scope", "DAY"), 1e-9);
                    atLeast(wrong, MetricNames.METRICS_RETENTION, Map.of("spec_id", mergedSpecId), 1e-9);
                    atLeast(wrong, MetricNames.METRICS_SUCCESS_RATE, Map.of("kind", "first_attempt"), 1e-9);
                    wrong.addAll(fabricatedOrMisattributed());
                    assertThat(wrong).as("received %s", otlp.all()).isEmpty();
                });
    }

    /**
     * Appends a problem unless the instrument's series matching {@code attributes} (a subset of theirs) sum to at
     * least {@code minimum}: for a counter what this class's scenarios added to its cumulative value, for a histogram
     * to its count, for a gauge its value.
     */
    private static void atLeast(List<String> wrong, String name, Map<String, String> attributes, double minimum) {
        MetricNames.Instrument instrument = MetricNames.instrument(name);
        List<OtlpMetricsReceiver.Series> matching = matching(instrument, attributes);
        double total = matching.stream()
                .mapToDouble(series -> cumulative(instrument)
                        ? series.latest() - before.getOrDefault(seriesKey(instrument, series), 0.0)
                        : series.latest())
                .sum();
        if (matching.isEmpty() || total < minimum) {
            wrong.add(
                    instrument.service() + ": " + name + attributes + " sums to " + total + ", expected >= " + minimum);
        }
    }

    /** Appends a problem unless the instrument has a series with these attributes (a gauge's reading may be 0). */
    private static void present(List<String> wrong, String name, Map<String, String> attributes) {
        MetricNames.Instrument instrument = MetricNames.instrument(name);
        if (matching(instrument, attributes).isEmpty()) {
            wrong.add(instrument.service() + ": " + name + attributes + " never exported");
        }
    }

    private static List<OtlpMetricsReceiver.Series> matching(
            MetricNames.Instrument instrument, Map<String, String> attributes) {
        return otlp.series(instrument.service() + "-service", instrument.name()).stream()
                .filter(s -> s.attributes().entrySet().containsAll(attributes.entrySet()))
                .toList();
    }

    /**
     * Every series of every instrument of MetricNames that any service exported carries exactly the declared
     * attributes, and every counter series shows a real event (a value above 0). The one counter that records
     * zeros for real: the simulated agent reports 0 cached tokens.
     */
    private static List<String> fabricatedOrMisattributed() {
        List<String> wrong = new ArrayList<>();
        for (MetricNames.Instrument instrument : MetricNames.ALL) {
            for (OtlpMetricsReceiver.Series series :
                    otlp.series(instrument.service() + "-service", instrument.name())) {
                if (!series.attributes().keySet().equals(new java.util.TreeSet<>(instrument.attributes()))) {
                    wrong.add(instrument.name() + " series " + series + " lacks or adds attributes to "
                            + instrument.attributes());
                }
                boolean realZero = instrument.name().equals(MetricNames.WORKER_AGENT_TOKENS)
                        && "cached".equals(series.attributes().get("direction"));
                if (instrument.kind() == MetricNames.Kind.COUNTER && series.max() <= 0 && !realZero) {
                    wrong.add(instrument.name() + " series " + series + " was exported without an event");
                }
            }
        }
        return wrong;
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
        mergedSpecId = specId;

        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(states(client.spec(specId)))
                        .as("task states of %s", specId)
                        .containsExactly("T1=MERGED", "T2=MERGED", "T3=MERGED"));

        // main holds one merge per task, the dependent task's merge last
        List<String> mergedTasks = Arrays.stream(git(
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
        git(repo, "checkout", "-q", "main");
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

                ## Task: plan9 - Plan 9 banner
                Print the banner of the login screen on Plan 9 terminals, so that users there see the system name.
                Files: lib/plan9.sh
                Inputs: none
                Outputs: the banner text on standard output
                Requires: os=plan9
                Acceptance: sh test/plan9_test.sh prints PASS
                Test command: sh test/plan9_test.sh
                Estimate: 2m
                """;
        String specId = client.submit(spec, repo.toString()).path("id").asText();

        // ./forgeline status says why each waiting task waits: the planner for the held one, the dispatcher for the
        // one no node can take
        ForgelineClient withDispatcher = stack.client();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            List<String> lines =
                    TaskStatusLines.lines(withDispatcher.spec(specId), withDispatcher.dispatcherTasks(specId));
            assertThat(String.join("\n", lines))
                    .contains("waits: WAITING_FOR_DECISION")
                    .contains("(SPEC_QUALITY)")
                    .contains("waits: NO_MATCHING_NODE: no READY node offers os=plan9");
        });

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

        // a person cancels the task no node can take at the dispatcher; nothing depends on it, so no decision
        HttpResponse<String> cancelled =
                post(stack.url(ServiceKind.DISPATCHER), "/tasks/" + specId + "/plan9/cancel", "{}");
        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);

        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(states(client.spec(specId)))
                        .containsExactlyInAnyOrder("tidy=MERGED", "auth=MERGED", "plan9=CANCELLED"));
        assertThat(findDecision(specId, "plan9")).isNull();
    }

    /**
     * The board, opened in a browser before the spec goes in: the spec appears and its tasks move to merged on the
     * open page, without a reload; the titles (from the spec) are shown as text, never as markup.
     */
    @Test
    @Order(4)
    void theBoardShowsTheSpecAndItsTasksMergingLiveWithoutAReload() throws Exception {
        Path repo = targetRepository("board-repo");
        String title = "Greeting <img src=x onerror=window.injected=1>";
        String spec = """
                # Spec: Board
                Base-branch: main

                ## Task: B1 - %s
                Add a greeting function.
                Acceptance: prints a greeting
                Test command: sh test/b1_test.sh
                Estimate: 2m

                ## Task: B2 - Farewell
                Add a farewell function.
                Depends-on: B1
                Acceptance: prints a farewell
                Test command: sh test/b2_test.sh
                Estimate: 2m
                """.formatted(title);
        try (BoardBrowser board = BoardBrowser.open(
                stack.url(ServiceKind.REVIEW), stack.adminToken(), WORK.resolve("chromium-profile"))) {
            assertThat(board.service("planner")).isEqualTo("planner: available");
            assertThat(board.service("dispatcher")).isEqualTo("dispatcher: available");
            String specId = client.submit(spec, repo.toString()).path("id").asText();

            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(
                            () -> assertThat(board.taskState(specId, "B2")).isNotNull());
            assertThat(board.taskTitle(specId, "B1")).isEqualTo(title);
            board.screenshot("board-spec-submitted.png");
            List<String> seenB2 = new ArrayList<>();
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> {
                        String b2 = board.taskState(specId, "B2");
                        if (seenB2.isEmpty() || !seenB2.get(seenB2.size() - 1).equals(b2)) {
                            seenB2.add(b2);
                        }
                        assertThat(board.taskState(specId, "B1")).isEqualTo("MERGED");
                        assertThat(b2).isEqualTo("MERGED");
                    });
            assertThat(board.progress(specId)).isEqualTo("2 / 2 merged");
            assertThat(board.specState(specId)).isEqualTo("MERGED");
            assertThat(seenB2).as("B2's states as the page showed them").hasSizeGreaterThan(1);
            assertThat(board.neverReloaded()).as("the page was never reloaded").isTrue();
            assertThat(board.updatesApplied()).isGreaterThan(1);
            assertThat(board.elementsInSpecs("img")).isZero();
            assertThat(board.script("return window.injected;")).isNull();
            board.screenshot("board-spec-merged.png");
            // the page agrees with the planner
            assertThat(states(client.spec(specId))).containsExactly("B1=MERGED", "B2=MERGED");
        }
    }

    private static JsonNode findDecision(String specId, String taskId) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(stack.url(ServiceKind.PLANNER).resolve("/decisions"))
                                .header("Authorization", "Bearer " + stack.adminToken())
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
                                .header("Authorization", "Bearer " + stack.adminToken())
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
        return ScratchFiles.targetRepository(WORK.resolve(name), "wind tunnel target");
    }

    /**
     * Every service asks for a token: 401 problem+json without one and with a wrong one, 403 problem+json for a
     * token whose role does not allow the operation; health stays open.
     */
    @Test
    @Order(5)
    void everyServiceRefusesCallsWithoutAValidTokenOrTheRightRole() throws Exception {
        Map<ServiceKind, String> reads = Map.of(
                ServiceKind.PLANNER, "/specs",
                ServiceKind.DISPATCHER, "/nodes",
                ServiceKind.REVIEW, "/reviews",
                ServiceKind.METRICS, "/metrics/summary",
                ServiceKind.WORKER, "/worker");
        HttpClient http = HttpClient.newHttpClient();
        String wrong = dev.forgeline.support.auth.TokenStore.newSecret();
        for (var read : reads.entrySet()) {
            java.net.URI uri = stack.url(read.getKey()).resolve(read.getValue());
            for (String authorization : Arrays.asList(null, "Bearer " + wrong)) {
                HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
                if (authorization != null) {
                    request.header("Authorization", authorization);
                }
                HttpResponse<String> refused = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode())
                        .as(uri + " with " + (authorization == null ? "no token" : "a wrong one"))
                        .isEqualTo(401);
                assertThat(refused.headers().firstValue("Content-Type"))
                        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
                assertThat(JSON.readTree(refused.body()).path("type").asText())
                        .isEqualTo("https://forgeline.dev/problems/unauthenticated");
                assertThat(refused.body()).doesNotContain(wrong);
            }
            HttpResponse<String> health = http.send(
                    HttpRequest.newBuilder(stack.url(read.getKey()).resolve("/q/health/ready"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).as(read.getKey() + " health").isEqualTo(200);
        }
        String submitter = stack.createToken("it-submitter", dev.forgeline.support.auth.Roles.SUBMITTER);
        HttpResponse<String> forbidden = http.send(
                HttpRequest.newBuilder(stack.url(ServiceKind.DISPATCHER).resolve("/dispatch/pause"))
                        .header("Authorization", "Bearer " + submitter)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(forbidden.statusCode()).as(forbidden.body()).isEqualTo(403);
        assertThat(forbidden.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(JSON.readTree(forbidden.body()).path("type").asText())
                .isEqualTo("https://forgeline.dev/problems/forbidden");
        HttpResponse<String> stillRunning = http.send(
                HttpRequest.newBuilder(stack.url(ServiceKind.DISPATCHER).resolve("/dispatch"))
                        .header("Authorization", "Bearer " + submitter)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(stillRunning.body()).path("paused").asBoolean())
                .as(stillRunning.body())
                .isFalse();
    }
}
