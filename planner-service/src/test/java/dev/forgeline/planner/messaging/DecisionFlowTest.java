package dev.forgeline.planner.messaging;

import static dev.forgeline.planner.SpecFixtures.MARKDOWN;
import static dev.forgeline.planner.SpecFixtures.stateOf;
import static dev.forgeline.planner.SpecFixtures.utf8;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import jakarta.inject.Inject;

import dev.forgeline.contracts.DecisionKind;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.DecisionRecorded;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.planner.GitFixture;
import dev.forgeline.planner.repository.DecisionRepository;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The decision flow end to end over the real broker: a VAGUE task is held with a decision request listing what
 * is missing, answered over REST, re-scored and released with TASK_READY, and DECISION_RECORDED carries the
 * requested and decided times. Permanent AMBIGUOUS_SPEC and CONTEXT_EXHAUSTED failures become decisions too.
 */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class DecisionFlowTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    static final String SPEC = """
            # Spec: Decisions
            ## Task: clear - Add a slug function
            Add a function that turns a title such as "Hello, World" into the URL slug "hello-world".
            Acceptance:
            - the output is lowercase
            Test command: sh test/slug_test.sh

            ## Task: vague - Improve things
            Make it better.
            Test command: sh test/all.sh
            """;
    private Path repository;
    private TestKafka kafka;

    @Inject
    DecisionRepository decisionRepository;

    @BeforeEach
    void setUp() throws IOException {
        repository =
                GitFixture.repository(Files.createTempDirectory("decision-test").resolve("repo"));
        kafka = TestKafka.forApplication();
    }

    @AfterEach
    void tearDown() {
        kafka.close();
    }

    private String submit() {
        return given().contentType(MARKDOWN)
                .queryParam("repository", repository.toString())
                .body(utf8(SPEC))
                .when()
                .post("/specs")
                .then()
                .statusCode(201)
                .body("tasks.state", contains("READY", "NEEDS_DECISION"))
                .body("tasks.qualityClass", contains("MODERATE", "VAGUE"))
                .extract()
                .path("id");
    }

    private String openDecision(String spec, String task) {
        return given().get("/decisions")
                .then()
                .statusCode(200)
                .extract()
                .path("find { it.specId == '" + spec + "' && it.taskId == '" + task + "' }.id");
    }

    @Test
    void aVagueTaskIsHeldAmendedReScoredAndReleased() {
        String spec = submit();
        String decision = openDecision(spec, "vague");
        given().get("/decisions/" + decision)
                .then()
                .statusCode(200)
                .body("kind", equalTo("SPEC_QUALITY"))
                .body("missing", hasItem("acceptance criteria"))
                .body("missing", hasItem("outputs or files"))
                .body("requestedAt", notNullValue())
                .body("question", containsString("too vague"));
        // the pending-decisions gauge counts it (read as the gauge's refresh reads it)
        assertThat(QuarkusTransaction.requiringNew().call(decisionRepository::openCountsByKind))
                .hasEntrySatisfying("SPEC_QUALITY", n -> assertThat(n).isPositive());
        // only the clear task was announced
        assertThat(kafka.await(Topics.TASKS_READY, e -> spec.equals(e.specId()), 1, WAIT))
                .extracting(e -> e.taskId())
                .containsExactly("clear");

        // still vague: refused, nothing changes
        given().contentType("application/json")
                .body(Map.of("action", "amend", "text", "Make it nicer.", "decidedBy", "ana"))
                .when()
                .post("/decisions/" + decision)
                .then()
                .statusCode(422)
                .body("detail", containsString("VAGUE"));
        assertThat(stateOf(spec, "vague")).isEqualTo("NEEDS_DECISION");

        given().contentType("application/json")
                .body(Map.of("action", "amend", "decidedBy", "ana", "text", """
                Titles longer than 80 characters wrap in the sidebar; shorten them for list views.
                Files: lib/truncate.sh
                Acceptance:
                - a title of 100 characters is cut to 80
                - a title of 10 characters is returned unchanged
                Test command: sh test/truncate_test.sh
                """))
                .when()
                .post("/decisions/" + decision)
                .then()
                .statusCode(200)
                .body("outcome", equalTo("AMENDED"))
                .body("decidedBy", equalTo("ana"))
                .body("decidedAt", notNullValue());

        TaskReady released = kafka.await(
                        Topics.TASKS_READY, e -> spec.equals(e.specId()) && "vague".equals(e.taskId()), 1, WAIT)
                .get(0)
                .payloadAs(TaskReady.class);
        assertThat(released.qualityClass()).isIn(SpecQuality.MODERATE, SpecQuality.HIGHLY_SPECIFIED);
        assertThat(released.qualityScore()).isGreaterThanOrEqualTo(40);
        assertThat(released.testCommand()).isEqualTo("sh test/truncate_test.sh");
        assertThat(released.files()).containsExactly("lib/truncate.sh");
        assertThat(released.acceptance()).hasSize(2);
        assertThat(released.submittedBy())
                .as("the amended text is the answerer's: four eyes holds them back from approving it")
                .isEqualTo("ana");

        DecisionRecorded recorded = kafka.await(Topics.DECISIONS, e -> spec.equals(e.specId()), 1, WAIT)
                .get(0)
                .payloadAs(DecisionRecorded.class);
        assertThat(recorded.kind()).isEqualTo(DecisionKind.SPEC_QUALITY);
        assertThat(recorded.outcome()).isEqualTo("AMENDED");
        assertThat(recorded.decidedBy()).isEqualTo("ana");
        assertThat(recorded.project())
                .as("the spec's project, for metrics' scoping")
                .isEqualTo("default");
        assertThat(recorded.requestedAt()).isNotNull();
        assertThat(recorded.decidedAt()).isAfterOrEqualTo(recorded.requestedAt());
        assertThat(stateOf(spec, "vague")).isEqualTo("READY");

        // a decision is made once
        given().contentType("application/json")
                .body(Map.of("action", "override", "reason", "again", "decidedBy", "bo"))
                .when()
                .post("/decisions/" + decision)
                .then()
                .statusCode(409);
    }

    @Test
    void anOverrideNeedsAReasonAndReleasesTheTaskAsItIs() {
        String spec = submit();
        String decision = openDecision(spec, "vague");
        given().contentType("application/json")
                .body(Map.of("action", "override", "decidedBy", "bo"))
                .when()
                .post("/decisions/" + decision)
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("reason"));
        given().contentType("application/json")
                .body(Map.of("action", "override", "decidedBy", "bo", "reason", "the agent knows this code base"))
                .when()
                .post("/decisions/" + decision)
                .then()
                .statusCode(200)
                .body("outcome", equalTo("OVERRIDDEN"))
                .body("note", equalTo("the agent knows this code base"));
        TaskReady released = kafka.await(
                        Topics.TASKS_READY, e -> spec.equals(e.specId()) && "vague".equals(e.taskId()), 1, WAIT)
                .get(0)
                .payloadAs(TaskReady.class);
        assertThat(released.qualityClass()).isEqualTo(SpecQuality.VAGUE);
        given().post("/decisions/00000000-0000-0000-0000-000000000000").then().statusCode(415);
        given().contentType("application/json")
                .body(Map.of("action", "override"))
                .post("/decisions/00000000-0000-0000-0000-000000000000")
                .then()
                .statusCode(404);
    }

    @Test
    void ambiguousAndContextExhaustedFailuresBecomeDecisions() {
        String spec = submit();
        kafka.publish(
                EventType.TASK_STATE_CHANGED,
                spec,
                "clear",
                spec,
                new TaskStateChanged(
                        spec,
                        "clear",
                        TaskState.FAILED,
                        1,
                        "node-a",
                        1,
                        FailureClass.AMBIGUOUS_SPEC,
                        "which slug rules for non-ASCII letters?",
                        true));
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(stateOf(spec, "clear")).isEqualTo("NEEDS_DECISION"));
        String decision = openDecision(spec, "clear");
        given().get("/decisions/" + decision)
                .then()
                .body("kind", equalTo("AMBIGUOUS_SPEC"))
                .body("missing", contains("which slug rules for non-ASCII letters?"));
        given().contentType("application/json")
                .body(Map.of("action", "override", "decidedBy", "cy", "reason", "ASCII only is fine"))
                .when()
                .post("/decisions/" + decision)
                .then()
                .statusCode(200);
        // released again as a new revision of the task, so the dispatcher replaces the failed one
        List<TaskReady> ready =
                kafka
                        .await(Topics.TASKS_READY, e -> spec.equals(e.specId()) && "clear".equals(e.taskId()), 2, WAIT)
                        .stream()
                        .map(e -> e.payloadAs(TaskReady.class))
                        .toList();
        assertThat(ready).extracting(TaskReady::revision).containsExactly(1, 2);

        kafka.publish(
                EventType.TASK_STATE_CHANGED,
                spec,
                "clear",
                spec,
                new TaskStateChanged(
                        spec,
                        "clear",
                        TaskState.FAILED,
                        3,
                        "node-a",
                        2,
                        FailureClass.CONTEXT_EXHAUSTED,
                        "context window exceeded",
                        true));
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(stateOf(spec, "clear")).isEqualTo("NEEDS_DECISION"));
        String split = openDecision(spec, "clear");
        given().get("/decisions/" + split).then().body("kind", equalTo("SPLIT"));

        // a person splits it: the parts replace the task, which is cancelled
        given().contentType("application/json")
                .body(Map.of("action", "amend", "decidedBy", "di", "text", """
                ## Task: a - Lowercase titles
                Lowercase every letter of the title before it becomes a slug, so that links do not depend on case.
                Acceptance: "Hello" becomes "hello"
                ## Task: b - Dash runs of other characters
                Depends-on: a
                Replace every run of characters other than letters and digits with one dash in the slug.
                Acceptance: "a, b" becomes "a-b"
                """))
                .when()
                .post("/decisions/" + split)
                .then()
                .statusCode(200)
                .body("outcome", equalTo("SPLIT"));
        given().get("/specs/" + spec)
                .then()
                .body("tasks.taskId", contains("clear", "vague", "clear-s1", "clear-s2"))
                .body("tasks.state", contains("CANCELLED", "NEEDS_DECISION", "READY", "PLANNED"))
                .body("tasks[2].origin", equalTo("SPLIT"))
                .body("tasks[3].dependsOn", contains("clear-s1"));
        assertThat(kafka.await(Topics.TASKS_COMMANDS, e -> spec.equals(e.specId()), 1, WAIT)
                        .get(0)
                        .payloadAs(dev.forgeline.contracts.payload.TaskCommand.class)
                        .command())
                .isEqualTo(dev.forgeline.contracts.TaskCommandKind.CANCEL);
    }

    static final String BLOCKED_SPEC = """
            # Spec: Blocked by a failure
            ## Task: base - Add the slug function
            Add lib/slug.sh: a function that turns a title such as "Hello, World" into the slug "hello-world".
            Acceptance:
            - the output is lowercase
            Test command: sh test/slug_test.sh

            ## Task: use - Use the slug in the report
            Update lib/report.sh so every report line starts with the title's slug from the slug function.
            Acceptance:
            - a line starts with hello-world for the title Hello, World
            Depends-on: base
            Test command: sh test/report_test.sh

            ## Task: more - Add the slug to the index
            Update lib/index.sh so every index entry carries the title's slug from the report line.
            Acceptance:
            - an entry carries hello-world for the title Hello, World
            Depends-on: use
            Test command: sh test/index_test.sh

            ## Task: same - Document the slug function
            Update lib/slug.sh with a usage comment that explains the slug rules for titles and punctuation.
            Acceptance:
            - the comment names the rule for punctuation
            Test command: sh test/slug_test.sh
            """;

    private void failPermanently(String spec, String task, int attempt) {
        kafka.publish(
                EventType.TASK_STATE_CHANGED,
                spec,
                task,
                spec,
                new TaskStateChanged(
                        spec,
                        task,
                        TaskState.FAILED,
                        attempt,
                        "node-a",
                        attempt,
                        FailureClass.TEST_FAILURE,
                        "tests still fail",
                        true));
    }

    private Object waiting(String spec, String task, String field) {
        return given().get("/specs/" + spec)
                .then()
                .statusCode(200)
                .extract()
                .path("tasks.find { it.taskId == '" + task + "' }.waiting." + field);
    }

    @Test
    void aPermanentFailureOthersWaitForBecomesADecisionThatRetrySkipAndCancelAnswer() {
        String spec = given().contentType(MARKDOWN)
                .queryParam("repository", repository.toString())
                .body(utf8(BLOCKED_SPEC))
                .when()
                .post("/specs")
                .then()
                .statusCode(201)
                .body("tasks.state", contains("READY", "PLANNED", "PLANNED", "PLANNED"))
                .body("tasks[1].waiting.code", equalTo("WAITING_FOR_DEPENDENCY"))
                .body("tasks[1].waiting.tasks", contains("base"))
                .body("tasks[3].waiting.code", equalTo("WAITING_FOR_FILE"))
                .body("tasks[3].waiting.tasks", contains("base"))
                .body("tasks[3].waiting.files", contains("lib/slug.sh"))
                .body("tasks[3].fileOrder[0].task", equalTo("base"))
                .body("tasks[3].fileOrder[0].reason", equalTo("base writes: add; same writes: update"))
                .extract()
                .path("id");

        failPermanently(spec, "base", 1);
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(stateOf(spec, "base")).isEqualTo("NEEDS_DECISION"));
        String decision = openDecision(spec, "base");
        given().get("/decisions/" + decision)
                .then()
                .body("kind", equalTo("BLOCKED_BY_FAILURE"))
                .body("missing", contains("use", "more", "same"))
                .body("question", containsString("failed permanently (TEST_FAILURE: tests still fail)"));
        // its dependents say which decision holds them; the file it held is free again
        assertThat(waiting(spec, "use", "code")).isEqualTo("WAITING_FOR_DECISION");
        assertThat(waiting(spec, "use", "decision")).isEqualTo(decision);
        assertThat(waiting(spec, "more", "code")).isEqualTo("WAITING_FOR_DEPENDENCY");
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(stateOf(spec, "same")).isEqualTo("READY"));
        given().contentType("application/json")
                .body(Map.of("action", "override", "decidedBy", "cy", "reason", "x"))
                .when()
                .post("/decisions/" + decision)
                .then()
                .statusCode(400)
                .body("detail", containsString("retry, skip or cancel"));

        // retry: planned again as a new revision
        given().contentType("application/json")
                .body(Map.of("action", "retry", "decidedBy", "cy"))
                .when()
                .post("/decisions/" + decision)
                .then()
                .statusCode(200)
                .body("outcome", equalTo("RETRIED"));
        // "same" holds lib/slug.sh now: base waits for the file, then runs as revision 2
        assertThat(stateOf(spec, "base")).isEqualTo("PLANNED");
        assertThat(waiting(spec, "base", "code")).isEqualTo("WAITING_FOR_FILE");
        kafka.publish(
                EventType.TASK_STATE_CHANGED,
                spec,
                "same",
                spec,
                new TaskStateChanged(spec, "same", TaskState.CANCELLED, 1, "node-a", 1, null, "not needed", false));
        List<TaskReady> ready =
                kafka
                        .await(Topics.TASKS_READY, e -> spec.equals(e.specId()) && "base".equals(e.taskId()), 2, WAIT)
                        .stream()
                        .map(e -> e.payloadAs(TaskReady.class))
                        .toList();
        assertThat(ready).extracting(TaskReady::revision).containsExactly(1, 2);

        // skip: its dependents run without it
        failPermanently(spec, "base", 1);
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(stateOf(spec, "base")).isEqualTo("NEEDS_DECISION"));
        given().contentType("application/json")
                .body(Map.of("action", "skip", "decidedBy", "cy"))
                .when()
                .post("/decisions/" + openDecision(spec, "base"))
                .then()
                .statusCode(200)
                .body("outcome", equalTo("SKIPPED"));
        assertThat(stateOf(spec, "base")).isEqualTo("CANCELLED");
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(stateOf(spec, "use")).isEqualTo("READY"));

        // cancel: it and every task depending on it end
        failPermanently(spec, "use", 1);
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(stateOf(spec, "use")).isEqualTo("NEEDS_DECISION"));
        given().contentType("application/json")
                .body(Map.of("action", "cancel", "decidedBy", "cy"))
                .when()
                .post("/decisions/" + openDecision(spec, "use"))
                .then()
                .statusCode(200)
                .body("outcome", equalTo("CANCELLED"));
        assertThat(List.of(stateOf(spec, "use"), stateOf(spec, "more"))).containsOnly("CANCELLED");
    }

    static final String ENDED_SPEC = """
            # Spec: Ended blockers
            ## Task: banner - Add the banner function
            Add lib/banner.sh with a function that prints the product name in a frame of stars.
            Acceptance:
            - the frame is as wide as the name plus four
            Test command: sh test/banner_test.sh

            ## Task: motd - Show the banner in the message of the day
            Update lib/motd.sh so the message of the day starts with the banner from the banner function.
            Acceptance:
            - the first line of the message is the top of the frame
            Depends-on: banner
            Test command: sh test/motd_test.sh

            ## Task: footer - Add the footer function
            Add lib/footer.sh with a function that prints the copyright line with the current year.
            Acceptance:
            - the line contains the year
            Test command: sh test/footer_test.sh

            ## Task: page - Put the footer on every page
            Update lib/page.sh so every page ends with the footer line from the footer function.
            Acceptance:
            - the last line of a page is the footer line
            Depends-on: footer
            Test command: sh test/page_test.sh
            """;

    /**
     * A task rejected in review, or cancelled at the dispatcher, that others depend on asks a person what becomes of
     * them, as a permanent failure does; skipping a rejected task leaves it REJECTED.
     */
    @Test
    void aRejectedOrCancelledTaskOthersDependOnBecomesADecision() {
        String spec = given().contentType(MARKDOWN)
                .queryParam("repository", repository.toString())
                .body(utf8(ENDED_SPEC))
                .when()
                .post("/specs")
                .then()
                .statusCode(201)
                .body("tasks.state", contains("READY", "PLANNED", "READY", "PLANNED"))
                .extract()
                .path("id");

        kafka.publish(
                EventType.REVIEW_OUTCOME,
                spec,
                "banner",
                spec,
                new ReviewOutcome(
                        spec,
                        "banner",
                        1,
                        1,
                        TaskState.REJECTED,
                        2,
                        List.of("full review"),
                        repository.toString(),
                        "forgeline/" + spec + "/banner/a1",
                        null,
                        0,
                        null,
                        "bo",
                        "prints the frame twice",
                        null,
                        null));
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(stateOf(spec, "banner")).isEqualTo("NEEDS_DECISION"));
        String rejected = openDecision(spec, "banner");
        given().get("/decisions/" + rejected)
                .then()
                .body("kind", equalTo("BLOCKED_BY_FAILURE"))
                .body("missing", contains("motd"))
                .body("question", containsString("was rejected in review by bo (prints the frame twice)"));
        assertThat(waiting(spec, "motd", "code")).isEqualTo("WAITING_FOR_DECISION");
        assertThat(waiting(spec, "motd", "decision")).isEqualTo(rejected);
        given().contentType("application/json")
                .body(Map.of("action", "skip", "decidedBy", "cy"))
                .when()
                .post("/decisions/" + rejected)
                .then()
                .statusCode(200)
                .body("outcome", equalTo("SKIPPED"));
        assertThat(stateOf(spec, "banner")).isEqualTo("REJECTED");
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(stateOf(spec, "motd")).isEqualTo("READY"));

        kafka.publish(
                EventType.TASK_STATE_CHANGED,
                spec,
                "footer",
                spec,
                new TaskStateChanged(
                        spec,
                        "footer",
                        TaskState.CANCELLED,
                        1,
                        "node-a",
                        1,
                        FailureClass.CANCELLED,
                        "cancelled by ana",
                        false));
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(stateOf(spec, "footer")).isEqualTo("NEEDS_DECISION"));
        String cancelled = openDecision(spec, "footer");
        given().get("/decisions/" + cancelled)
                .then()
                .body("kind", equalTo("BLOCKED_BY_FAILURE"))
                .body("missing", contains("page"))
                .body("question", containsString("was cancelled (cancelled by ana)"));
        given().contentType("application/json")
                .body(Map.of("action", "cancel", "decidedBy", "cy"))
                .when()
                .post("/decisions/" + cancelled)
                .then()
                .statusCode(200)
                .body("outcome", equalTo("CANCELLED"));
        assertThat(List.of(stateOf(spec, "footer"), stateOf(spec, "page"))).containsOnly("CANCELLED");
    }

    @Inject
    dev.forgeline.planner.llm.LlmUsageLog llmUsageLog;

    @Inject
    dev.forgeline.planner.repository.LlmUsageRepository llmUsages;

    /** A paid LLM call is recorded even when the transaction that made it rolls back. */
    @Test
    void anLlmCallIsRecordedOutsideTheCallersTransaction() {
        String purpose = "split-" + java.util.UUID.randomUUID();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> QuarkusTransaction.requiringNew()
                        .run(() -> {
                            llmUsageLog.record(
                                    purpose, "openai", "gpt-5-mini", 1200, 340, new java.math.BigDecimal("0.0042"), 2);
                            throw new IllegalStateException("the caller fails after the call");
                        }))
                .hasMessageContaining("the caller fails");
        dev.forgeline.planner.domain.LlmUsage usage = QuarkusTransaction.requiringNew()
                .call(() -> llmUsages.find("purpose", purpose).singleResult());
        assertThat(usage.model).isEqualTo("gpt-5-mini");
        assertThat(usage.inputTokens).isEqualTo(1200);
        assertThat(usage.outputTokens).isEqualTo(340);
        assertThat(usage.costUsd).isEqualByComparingTo("0.0042");
        assertThat(usage.attempts).isEqualTo(2);
    }
}
