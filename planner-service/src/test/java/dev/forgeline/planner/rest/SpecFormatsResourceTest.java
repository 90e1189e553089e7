package dev.forgeline.planner.rest;

import static dev.forgeline.planner.SpecFixtures.MARKDOWN;
import static dev.forgeline.planner.SpecFixtures.stateOf;
import static dev.forgeline.planner.SpecFixtures.utf8;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.planner.GitFixture;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** spec-kit and Kiro files over REST, implicit ordering by named files, lint, and bad input. */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class SpecFormatsResourceTest {
    private static final String PROBLEM_JSON = "application/problem+json";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private Path repository;

    @BeforeEach
    void createRepository() throws IOException {
        repository =
                GitFixture.repository(Files.createTempDirectory("formats-test").resolve("repo"));
    }

    static String fixture(String name) throws IOException {
        try (InputStream in = SpecFormatsResourceTest.class.getResourceAsStream("/formats/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void speckitPhasesAndSharedFilesOrderTheTasks() throws IOException {
        String id = given().contentType(MARKDOWN)
                .queryParam("repository", repository.toString())
                .queryParam("testCommand", "sh test/run_all.sh")
                .body(utf8(fixture("speckit-tasks.md")))
                .when()
                .post("/specs")
                .then()
                .statusCode(201)
                .body("format", equalTo("speckit"))
                .body("name", equalTo("Word tools"))
                .body("tasks.taskId", contains("T002", "T003", "T004", "T005", "T006"))
                .body("tasks.state", contains("READY", "PLANNED", "PLANNED", "PLANNED", "PLANNED"))
                .body("tasks[3].dependsOn", contains("T002", "T003", "T004"))
                .body("tasks[4].dependsOn", contains("T002"))
                .body("tasks[4].files", contains("lib/report.sh", "lib/word_count.sh"))
                .body("tasks[1].waiting.code", equalTo("WAITING_FOR_DEPENDENCY"))
                .body("tasks[1].waiting.tasks", contains("T002"))
                .body("tasks[1].labels.story", equalTo("US1"))
                .body("tasks[4].fileOrder.task", contains("T005"))
                .body("tasks[4].fileOrder.file", contains("lib/word_count.sh"))
                .body("tasks.qualityClass", contains("MODERATE", "MODERATE", "MODERATE", "MODERATE", "MODERATE"))
                .extract()
                .path("id");

        try (TestKafka kafka = TestKafka.forApplication()) {
            TaskReady t002 = kafka.awaitOne(Topics.TASKS_READY, e -> id.equals(e.specId()))
                    .payloadAs(TaskReady.class);
            assertThat(t002.taskId()).isEqualTo("T002");
            assertThat(t002.testCommand()).isEqualTo("sh test/run_all.sh");
            assertThat(t002.files()).containsExactly("test/run_all.sh");
            assertThat(t002.qualityClass()).isNotNull();
            assertThat(t002.revision()).isEqualTo(1);

            merge(kafka, id, "T002");
            // T003, T004 and T006 wait only for T002 and name different files
            await().atMost(WAIT)
                    .untilAsserted(
                            () -> assertThat(List.of(stateOf(id, "T003"), stateOf(id, "T004"), stateOf(id, "T006")))
                                    .containsOnly("READY"));
            merge(kafka, id, "T003");
            merge(kafka, id, "T004");
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(stateOf(id, "T004")).isEqualTo("MERGED"));
            // T005's dependencies are merged, but T006 names lib/word_count.sh too and is in flight
            assertThat(stateOf(id, "T005")).isEqualTo("PLANNED");
            merge(kafka, id, "T006");
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(stateOf(id, "T005")).isEqualTo("READY"));
            List<Envelope> t005 =
                    kafka.await(Topics.TASKS_READY, e -> id.equals(e.specId()) && "T005".equals(e.taskId()), 1, WAIT);
            assertThat(t005.get(0).payloadAs(TaskReady.class).dependencySummaries())
                    .extracting(s -> s.taskId())
                    .containsExactly("T002", "T003", "T004");
        }
    }

    @Test
    void kiroItemsAreSequentialAndVagueOnesWaitForADecision() throws IOException {
        given().contentType(MARKDOWN)
                .queryParam("repository", repository.toString())
                .queryParam("testCommand", "sh test/word_count_test.sh")
                .queryParam("format", "kiro")
                .body(utf8(fixture("kiro-tasks.md")))
                .when()
                .post("/specs")
                .then()
                .statusCode(201)
                .body("format", equalTo("kiro"))
                // 2 is a group, the optional 2.2 is left out
                .body("tasks.taskId", contains("2.1", "3"))
                .body("tasks[0].dependsOn", empty())
                .body("tasks[0].labels.parent", equalTo("2"))
                .body("tasks[0].labels.requirements", equalTo("2.1 2.2"))
                .body("tasks[0].requires", equalTo(Map.of()))
                .body("tasks[1].dependsOn", contains("2.1"))
                .body("tasks.qualityClass", contains("MODERATE", "VAGUE"))
                .body("tasks.state", contains("READY", "NEEDS_DECISION"))
                .body("tasks[1].waiting.code", equalTo("WAITING_FOR_DECISION"))
                .body("tasks[1].waiting.kind", equalTo("SPEC_QUALITY"))
                .body("groups[0].id", equalTo("2"))
                .body("groups[0].tasks", contains("2.1"))
                .body("groups[0].state", equalTo("IN_PROGRESS"));
    }

    @Test
    void checklistFormatsWithoutATestCommandAreRefusedNamingTheLines() throws IOException {
        given().contentType(MARKDOWN)
                .queryParam("repository", repository.toString())
                .body(utf8(fixture("kiro-tasks.md")))
                .when()
                .post("/specs")
                .then()
                .statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("errors.line", contains(8, 15))
                .body("errors[0].message", equalTo("task 2.1 has no Test command"));
    }

    @Test
    void anUnknownFormatIsRefused() {
        given().contentType(MARKDOWN)
                .queryParam("format", "word")
                .body(utf8("# x\n"))
                .when()
                .post("/specs")
                .then()
                .statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("detail", equalTo("format 'word' is not one of forgeline, speckit, kiro, freeform"));
    }

    @Test
    void lintReportsEveryTaskAndCreatesNothing() throws IOException {
        int before = given().get("/specs").then().extract().path("size()");
        given().contentType(MARKDOWN)
                .body(utf8(fixture("kiro-tasks.md")))
                .when()
                .post("/specs:lint")
                .then()
                .statusCode(200)
                .body("format", equalTo("kiro"))
                .body("valid", equalTo(true))
                // without a test command nothing checks the work: lint scores that as it is
                .body("classes", equalTo(Map.of("VAGUE", 2, "MODERATE", 0, "HIGHLY_SPECIFIED", 0, "OVER_SPECIFIED", 0)))
                .body("tasks.taskId", contains("2.1", "3"))
                .body("tasks[0].outcome", equalTo("NEEDS_DECISION"))
                .body("tasks[0].missing", hasItem("acceptance criteria"))
                .body("tasks[0].reasons.code", hasItem("MISSING_TESTABLE_CHECK"))
                .body("skipped", contains("1 (line 3, done)", "2.2 (line 11, optional)"));
        given().contentType(MARKDOWN)
                .body(utf8("## Task: T1 - x\n## Task: T1 - y\nTest command: true\n"))
                .when()
                .post("/specs:lint")
                .then()
                .statusCode(200)
                .body("valid", equalTo(false))
                .body("errors.line", hasItem(2));
        assertThat((int) given().get("/specs").then().extract().path("size()")).isEqualTo(before);
    }

    @Test
    void binaryAndNonUtf8SpecsAre415NamingTheLineAndCreateNothing() {
        int before = given().get("/specs").then().extract().path("size()");
        byte[] binary = {'#', ' ', 'x', '\n', 'a', 0, 'b'};
        given().contentType(MARKDOWN)
                .body(binary)
                .when()
                .post("/specs")
                .then()
                .statusCode(415)
                .contentType(PROBLEM_JSON)
                .body("type", equalTo("https://forgeline.dev/problems/spec-not-text"))
                .body("detail", containsString("NUL byte at offset 5"))
                .body("errors[0].line", equalTo(2));
        byte[] latin1 = "# Spec\n## Task: T1 - caf\u00e9\nTest command: true\n".getBytes(StandardCharsets.ISO_8859_1);
        given().contentType(MARKDOWN)
                .body(latin1)
                .when()
                .post("/specs")
                .then()
                .statusCode(415)
                .body("detail", containsString("not UTF-8: invalid byte 0xe9"))
                .body("errors[0].line", equalTo(2));
        given().contentType(MARKDOWN)
                .body(latin1)
                .when()
                .post("/specs:lint")
                .then()
                .statusCode(415);
        byte[] huge = new byte[1_048_577];
        java.util.Arrays.fill(huge, (byte) 'x');
        given().contentType(MARKDOWN)
                .body(huge)
                .when()
                .post("/specs:lint")
                .then()
                .statusCode(413)
                .body("errors", org.hamcrest.Matchers.nullValue());
        assertThat((int) given().get("/specs").then().extract().path("size()")).isEqualTo(before);
    }

    private static void merge(TestKafka kafka, String specId, String taskId) {
        kafka.publish(
                dev.forgeline.contracts.EventType.REVIEW_OUTCOME,
                specId,
                taskId,
                specId,
                new ReviewOutcome(specId, taskId, 1, 1, TaskState.MERGED, 0, List.of(), null, null, "c0ffee", 1));
    }
}
