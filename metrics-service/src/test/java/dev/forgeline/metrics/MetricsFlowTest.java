package dev.forgeline.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.contracts.payload.DiffStats;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.contracts.payload.TestOutcome;
import dev.forgeline.support.problem.Problem;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.OpenApiContract;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Events on the real broker folded into the summary the REST API serves. */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class MetricsFlowTest {
    private static final Duration WAIT = Duration.ofSeconds(45);
    private static TestKafka kafka;

    @BeforeAll
    static void connect() {
        kafka = TestKafka.forApplication();
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    @Test
    void openApiDocumentListsEveryEndpointAndTheProblemsTheyReallyAnswer() {
        OpenApiContract openApi = OpenApiContract.of(given().get("/q/openapi?format=json")
                .then()
                .statusCode(200)
                .extract()
                .asString());
        openApi.assertListsExactly(OpenApiContract.declaredOperations(
                Path.of("target", "classes"),
                "dev.forgeline.metrics",
                MetricsFlowTest.class.getClassLoader(),
                "")); // the service excludes nothing
        openApi.assertProblemSchemaMatches(Problem.class, Problem.ProblemError.class);
        assertThat(openApi.document().path("info").path("title").asText()).isEqualTo("Forgeline metrics API");

        String invalidWeek = "https://forgeline.dev/problems/invalid-week";
        openApi.assertDocumentsProblem("GET /metrics/summary", 400, invalidWeek);
        given().get("/metrics/summary?week=last-tuesday")
                .then()
                .statusCode(400)
                .contentType(OpenApiContract.PROBLEM_JSON)
                .body("type", equalTo(invalidWeek))
                .body("errors[0].field", equalTo("week"));
        openApi.assertDocumentsProblem("GET /reports/specs/{specId}", 404, "about:blank");
        given().get("/reports/specs/{s}", "spec-nobody-sent")
                .then()
                .statusCode(404)
                .contentType(OpenApiContract.PROBLEM_JSON)
                .body("type", equalTo("about:blank"));
    }

    @Test
    void aTaskFromReadyToMergedIsSummarisedAndADuplicateResultCountsOnce() {
        String spec = uniqueSpec("flow");
        kafka.publish(EventType.TASK_READY, spec, "T1", "T1", ready(spec, "T1"));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", lifecycle(spec, "T1", TaskState.LEASED, 1, 7));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", lifecycle(spec, "T1", TaskState.RUNNING, 1, 7));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", lifecycle(spec, "T1", TaskState.SUCCEEDED, 1, 7));
        Envelope result = kafka.publish(
                EventType.TASK_RESULT, spec, "T1", "T1", result(spec, "T1", 1, 7, true, 1200, 30, "0.05"));
        kafka.publish(EventType.REVIEW_OUTCOME, spec, "T1", spec + "/T1", merged(spec, "T1", 1, 7, 30));

        await().atMost(WAIT).untilAsserted(() -> {
            JsonPath summary = summary(spec);
            assertThat(summary.getLong("tasks")).isEqualTo(1);
            assertThat(summary.getMap("tasksByState")).isEqualTo(Map.of("MERGED", 1));
            assertThat(summary.getLong("attempts")).isEqualTo(1);
            assertThat(summary.getLong("computeMillis")).isEqualTo(1200);
            assertThat(summary.getLong("linesAdded")).isEqualTo(30);
            assertThat(summary.getLong("linesMerged")).isEqualTo(30);
            assertThat(new BigDecimal(summary.getString("costUsd"))).isEqualByComparingTo("0.05");
            assertThat(summary.getLong("inputTokens")).isEqualTo(1000);
            assertThat(summary.getLong("outputTokens")).isEqualTo(200);
        });

        // the same envelope again, and the same attempt's result in a new envelope (a resend)
        kafka.publish(Topics.TASKS_RESULTS, "T1", result);
        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", result(spec, "T1", 1, 7, true, 1200, 30, "0.05"));
        awaitResultsConsumedUpTo("T1");

        JsonPath summary = summary(spec);
        assertThat(summary.getLong("computeMillis")).isEqualTo(1200);
        assertThat(summary.getLong("inputTokens")).isEqualTo(1000);
        assertThat(new BigDecimal(summary.getString("costUsd"))).isEqualByComparingTo("0.05");
        assertThat(summary.getLong("linesAdded")).isEqualTo(30);
    }

    @Test
    void lateLifecycleEventsNeverMoveAStateBack() {
        String spec = uniqueSpec("order");
        // the lifecycle event comes before task.ready: the row is created by whichever arrives first
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", lifecycle(spec, "T1", TaskState.SUCCEEDED, 1, 3));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", lifecycle(spec, "T1", TaskState.RUNNING, 1, 3));
        kafka.publish(EventType.TASK_READY, spec, "T1", "T1", ready(spec, "T1"));
        awaitLifecycleConsumedUpTo("T1");
        await().atMost(WAIT)
                .untilAsserted(
                        () -> assertThat(summary(spec).getMap("tasksByState")).isEqualTo(Map.of("SUCCEEDED", 1)));

        // a second attempt does move it: T2 fails on attempt 1, then attempt 2 is leased
        kafka.publish(
                EventType.TASK_STATE_CHANGED,
                spec,
                "T2",
                "T2",
                new TaskStateChanged(
                        spec, "T2", TaskState.FAILED, 1, "node-a", 4, FailureClass.TEST_FAILURE, "1 failed"));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T2", "T2", lifecycle(spec, "T2", TaskState.LEASED, 2, 5));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T2", "T2", lifecycle(spec, "T2", TaskState.RUNNING, 1, 4));
        awaitLifecycleConsumedUpTo("T2");
        await().atMost(WAIT).untilAsserted(() -> {
            JsonPath summary = summary(spec);
            assertThat(summary.getMap("tasksByState")).isEqualTo(Map.of("SUCCEEDED", 1, "LEASED", 1));
            assertThat(summary.getLong("attempts")).isEqualTo(3);
        });

        // nothing leaves MERGED
        kafka.publish(EventType.REVIEW_OUTCOME, spec, "T1", spec + "/T1", merged(spec, "T1", 1, 3, 12));
        await().atMost(WAIT)
                .untilAsserted(() ->
                        assertThat(summary(spec).getMap("tasksByState")).isEqualTo(Map.of("MERGED", 1, "LEASED", 1)));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", lifecycle(spec, "T1", TaskState.LEASED, 2, 9));
        awaitLifecycleConsumedUpTo("T1");
        assertThat(summary(spec).getMap("tasksByState")).isEqualTo(Map.of("MERGED", 1, "LEASED", 1));
    }

    @Test
    void theSummaryCanBeNarrowedToOneSpec() {
        String one = uniqueSpec("one");
        String other = uniqueSpec("other");
        kafka.publish(EventType.TASK_READY, one, "T1", "T1", ready(one, "T1"));
        kafka.publish(EventType.TASK_READY, other, "T1", "T1", ready(other, "T1"));
        kafka.publish(EventType.TASK_READY, other, "T2", "T2", ready(other, "T2"));
        kafka.publish(EventType.TASK_RESULT, other, "T2", "T2", result(other, "T2", 1, 11, false, 500, 0, "0.02"));

        await().atMost(WAIT).untilAsserted(() -> {
            JsonPath first = summary(one);
            assertThat(first.getLong("tasks")).isEqualTo(1);
            assertThat(first.getMap("tasksByState")).isEqualTo(Map.of("READY", 1));
            assertThat(first.getLong("computeMillis")).isZero();
            JsonPath second = summary(other);
            assertThat(second.getLong("tasks")).isEqualTo(2);
            assertThat(second.getLong("computeMillis")).isEqualTo(500);
            assertThat(second.getLong("linesAdded"))
                    .as("a failed attempt adds no lines")
                    .isZero();
            assertThat(new BigDecimal(second.getString("costUsd"))).isEqualByComparingTo("0.02");
        });
        JsonPath all =
                given().get("/metrics/summary").then().statusCode(200).extract().jsonPath();
        assertThat(all.getLong("tasks")).isGreaterThanOrEqualTo(3);
        assertThat(all.getLong("computeMillis")).isGreaterThanOrEqualTo(500);
        given().get("/metrics/summary?specId={spec}", uniqueSpec("none"))
                .then()
                .statusCode(200)
                .body("tasks", equalTo(0))
                .body("tasksByState.size()", equalTo(0));
    }

    private static JsonPath summary(String spec) {
        return given().get("/metrics/summary?specId={spec}", spec)
                .then()
                .statusCode(200)
                .contentType("application/json")
                .extract()
                .jsonPath();
    }

    /**
     * Publishes a marker result with {@code key} (so on the same partition, after what was published before)
     * and waits until it is counted: every earlier record of that partition has been handled by then.
     */
    @Test
    void aWeekOutsideTheCalendarOrNotADateIs400NamingTheParameterAndTheRange() {
        for (String path : List.of("/metrics/summary", "/reports/weekly")) {
            for (String week : List.of("+999999999-12-31", "-999999999-01-01", "2026-13-01", "abc", "10000-01-01")) {
                given().queryParam("week", week)
                        .get(path)
                        .then()
                        .statusCode(400)
                        .contentType("application/problem+json")
                        .body("type", org.hamcrest.Matchers.equalTo("https://forgeline.dev/problems/invalid-week"))
                        .body(
                                "detail",
                                org.hamcrest.Matchers.equalTo("week must be a date YYYY-MM-DD (any day of the week)"
                                        + " from 1970-01-01 to 9999-12-31, got '" + week + "'"))
                        .body("errors[0].field", org.hamcrest.Matchers.equalTo("week"));
            }
            // the ends of the range are weeks like any other
            given().queryParam("week", "9999-12-31").get(path).then().statusCode(200);
            given().queryParam("week", "1970-01-01").get(path).then().statusCode(200);
        }
    }

    private static void awaitResultsConsumedUpTo(String key) {
        String marker = uniqueSpec("marker");
        kafka.publish(EventType.TASK_RESULT, marker, key, key, result(marker, key, 1, 1, false, 1, 0, "0"));
        await().atMost(WAIT)
                .untilAsserted(() ->
                        assertThat(summary(marker).getLong("computeMillis")).isEqualTo(1));
    }

    /** As {@link #awaitResultsConsumedUpTo}, on the lifecycle topic. */
    private static void awaitLifecycleConsumedUpTo(String key) {
        String marker = uniqueSpec("marker");
        kafka.publish(EventType.TASK_STATE_CHANGED, marker, key, key, lifecycle(marker, key, TaskState.LEASED, 1, 1));
        await().atMost(WAIT)
                .untilAsserted(
                        () -> assertThat(summary(marker).getMap("tasksByState")).isEqualTo(Map.of("LEASED", 1)));
    }

    private static String uniqueSpec(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static TaskReady ready(String spec, String task) {
        return new TaskReady(
                spec,
                "demo",
                task,
                "Title",
                "Description",
                List.of(),
                "sh test.sh",
                300,
                List.of(),
                "/repo",
                "main",
                0,
                Map.of(),
                null);
    }

    private static TaskStateChanged lifecycle(String spec, String task, TaskState state, int attempt, long token) {
        return new TaskStateChanged(spec, task, state, attempt, "node-a", token, null, null);
    }

    private static TaskResult result(
            String spec,
            String task,
            int attempt,
            long token,
            boolean succeeded,
            long computeMillis,
            int linesAdded,
            String cost) {
        return new TaskResult(
                UUID.randomUUID(),
                spec,
                task,
                "node-a",
                token,
                attempt,
                succeeded,
                succeeded ? null : FailureClass.TEST_FAILURE,
                succeeded ? null : "1 test failed",
                "/repo",
                "main",
                "forgeline/" + spec + "/" + task + "/a" + attempt,
                "base",
                "head",
                new DiffStats(1, linesAdded, 2, List.of("f.txt")),
                new TestOutcome("sh test.sh", true, succeeded, succeeded ? 0 : 1, 100, ""),
                new AgentUsage("default", "command", "m", 1000, 200, 0, new BigDecimal(cost)),
                computeMillis,
                Instant.now().minusMillis(computeMillis),
                Instant.now());
    }

    private static ReviewOutcome merged(String spec, String task, int attempt, long token, int linesMerged) {
        return new ReviewOutcome(
                spec,
                task,
                attempt,
                token,
                TaskState.MERGED,
                0,
                List.of(),
                "/repo",
                "forgeline/" + spec + "/" + task + "/a" + attempt,
                "abc123",
                linesMerged);
    }
}
