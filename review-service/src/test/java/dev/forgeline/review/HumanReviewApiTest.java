package dev.forgeline.review;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.forgeline.contracts.DecisionKind;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.DecisionRecorded;
import dev.forgeline.contracts.payload.ReviewBacklog;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.support.problem.Problem;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.OpenApiContract;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Levels 1-3 on real repositories, and the decisions people take over REST, with their decision events. */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class HumanReviewApiTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static TestKafka kafka;

    @TempDir
    Path tmp;

    @BeforeAll
    static void connect() {
        kafka = TestKafka.forApplication();
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    @Test
    void openApiDocumentListsEveryApiEndpointAndTheProblemsTheyReallyAnswer() {
        OpenApiContract openApi = OpenApiContract.of(given().get("/q/openapi?format=json")
                .then()
                .statusCode(200)
                .extract()
                .asString());
        openApi.assertListsExactly(OpenApiContract.declaredOperations(
                Path.of("target", "classes"),
                "dev.forgeline.review",
                HumanReviewApiTest.class.getClassLoader(),
                ConfigProvider.getConfig().getValue("mp.openapi.scan.exclude.classes", String.class)));
        assertThat(openApi.documentedOperations()).noneMatch(operation -> operation.contains(" /ui"));
        openApi.assertProblemSchemaMatches(Problem.class, Problem.ProblemError.class);
        assertThat(openApi.document().path("info").path("title").asText()).isEqualTo("Forgeline review API");

        String invalidQuery = "https://forgeline.dev/problems/invalid-query";
        openApi.assertDocumentsProblem("GET /reviews", 400, invalidQuery);
        given().get("/reviews?sort=sideways")
                .then()
                .statusCode(400)
                .contentType(OpenApiContract.PROBLEM_JSON)
                .body("type", equalTo(invalidQuery))
                .body("errors[0].field", equalTo("sort"));
        openApi.assertDocumentsProblem("POST /merges/{id}/revert", 404, "about:blank");
        given().contentType("application/json")
                .body("{}")
                .post("/merges/{id}/revert", "no-such-merge")
                .then()
                .statusCode(404)
                .contentType(OpenApiContract.PROBLEM_JSON)
                .body("type", equalTo("about:blank"));
        openApi.assertDocumentsProblem(
                "POST /reviews/{specId}/{taskId}/approve", 409, "https://forgeline.dev/problems/review-not-pending");
    }

    @Test
    void peopleSeeRiskyWorkByLevelAndAgeAndDecideWithReasons() {
        String spec = Events.uniqueSpec("human");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt migration = repo.attemptBranch(
                spec,
                "T1",
                2,
                "src/main/resources/db/migration/V7__notes.sql",
                "CREATE TABLE note (id BIGINT PRIMARY KEY, body TEXT);\n");
        GitRepo.Attempt auth = repo.attemptBranch(
                spec,
                "T2",
                1,
                "src/main/java/com/acme/auth/LoginCheck.java",
                "package com.acme.auth;\n\nclass LoginCheck {\n}\n");
        GitRepo.Attempt large = repo.attemptBranch(spec, "T3", "data/big.txt", 150);
        Served.serve(repo, "human");

        // T1's first attempt failed at the worker: it is only history
        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", Events.failed(spec, "T1", 401, 1, repo));
        publishAccepted(spec, "T1", 402, 2, repo, migration);
        ReviewOutcome t1 = awaitOutcome(spec, "T1", TaskState.IN_REVIEW);
        publishAccepted(spec, "T2", 411, 1, repo, auth);
        ReviewOutcome t2 = awaitOutcome(spec, "T2", TaskState.IN_REVIEW);
        publishAccepted(spec, "T3", 421, 1, repo, large);
        ReviewOutcome t3 = awaitOutcome(spec, "T3", TaskState.IN_REVIEW);

        assertThat(t1.level()).isEqualTo(3);
        assertThat(t1.reasons())
                .containsExactly("data model: src/main/resources/db/migration/V7__notes.sql: data model / migration");
        assertThat(t2.level()).isEqualTo(2);
        assertThat(t2.reasons())
                .contains(
                        "security surface: src/main/java/com/acme/auth/LoginCheck.java: security-sensitive path",
                        "new module: src/main/java/com/acme/auth/: new package com.acme.auth");
        assertThat(t3.level()).isEqualTo(1);
        assertThat(t3.reasons()).containsExactly("150 changed lines (limit 100)");
        assertThat(List.of(t1, t2, t3))
                .allSatisfy(o -> assertThat(o.requestedAt()).isNotNull());

        // the queue: by level, longest waiting first
        JsonPath level3 = given().get("/reviews/pending?level=3")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(level3.getList("findAll { it.specId == '" + spec + "' }.taskId", String.class))
                .containsExactly("T1");
        assertThat(level3.getList("level", Integer.class)).containsOnly(3);
        JsonPath all =
                given().get("/reviews/pending").then().statusCode(200).extract().jsonPath();
        assertThat(all.getList("findAll { it.specId == '" + spec + "' }.taskId", String.class))
                .containsExactly("T1", "T2", "T3");
        List<String> created = all.getList("createdAt", String.class);
        assertThat(created).isSortedAccordingTo((a, b) -> Instant.parse(a).compareTo(Instant.parse(b)));
        assertThat(all.getList("ageSeconds", Long.class)).doesNotContainNull();
        given().get("/reviews?state=PENDING&level=2&sort=age")
                .then()
                .statusCode(200)
                .body("taskId", hasItem("T2"));
        given().get("/reviews?level=9").then().statusCode(400).body("errors[0].field", equalTo("level"));

        // one review: diff, reasons, tests, cost and attempt history
        given().get("/reviews/{s}/{t}", spec, "T1")
                .then()
                .statusCode(200)
                .body("level", equalTo(3))
                .body("diff", containsString("+++ b/src/main/resources/db/migration/V7__notes.sql"))
                .body("diff", containsString("+CREATE TABLE note"))
                .body("tests.command", equalTo("sh test.sh"))
                .body("tests.passed", equalTo(true))
                .body("cost.usd", equalTo(0.01f))
                .body("cost.inputTokens", equalTo(100))
                .body("attempts.size()", equalTo(2))
                .body("attempts[0].succeeded", equalTo(false))
                .body("attempts[0].failureClass", equalTo("TEST_FAILURE"))
                .body("attempts[1].reviewState", equalTo("PENDING"));

        // request changes: a comment is required; then the attempt fails with the comment as retry context
        given().contentType("application/json")
                .body("{\"reviewer\":\"ana\"}")
                .post("/reviews/{s}/{t}/request-changes", spec, "T1")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("comment"));
        given().contentType("application/json")
                .body("{\"reviewer\":\"ana\",\"comment\":\"add an index on note.body\"}")
                .post("/reviews/{s}/{t}/request-changes", spec, "T1")
                .then()
                .statusCode(200)
                .body("state", equalTo("CHANGES_REQUESTED"))
                .body("failureClass", equalTo("CHANGES_REQUESTED"))
                .body("decidedBy", equalTo("ana"))
                .body("decisionLagMillis", notNullValue());
        ReviewOutcome sentBack = awaitOutcome(spec, "T1", TaskState.FAILED);
        assertThat(sentBack.failureClass()).isEqualTo(FailureClass.CHANGES_REQUESTED);
        assertThat(sentBack.comment()).isEqualTo("add an index on note.body");
        assertThat(sentBack.reviewer()).isEqualTo("ana");
        assertThat(sentBack.decidedAt()).isAfterOrEqualTo(sentBack.requestedAt());
        DecisionRecorded changes = awaitDecision(spec, "T1", DecisionKind.REVIEW, "CHANGES_REQUESTED");
        assertThat(changes.level()).isEqualTo(3);
        assertThat(changes.decidedBy()).isEqualTo("ana");
        assertThat(changes.requestedAt()).isEqualTo(t1.requestedAt());

        // the reworked attempt reaches review: the REQUEST_CHANGES decision's lag ends there
        GitRepo.Attempt rework = repo.attemptBranch(
                spec,
                "T1",
                3,
                "src/main/resources/db/migration/V7__notes.sql",
                "CREATE TABLE note (id BIGINT PRIMARY KEY, body TEXT);\nCREATE INDEX note_body ON note (body);\n");
        repo.push(rework.branch());
        publishAccepted(spec, "T1", 403, 3, repo, rework);
        DecisionRecorded reworked = awaitDecision(spec, "T1", DecisionKind.REQUEST_CHANGES, "REWORKED");
        assertThat(reworked.requestedAt()).isEqualTo(sentBack.decidedAt());
        assertThat(reworked.decidedAt()).isAfterOrEqualTo(reworked.requestedAt());

        // approve T2: merged, with the reviewer and the decision time
        given().contentType("application/json")
                .body("{\"reviewer\":\"bo\",\"comment\":\"checked the login rules\"}")
                .post("/reviews/{s}/{t}/approve", spec, "T2")
                .then()
                .statusCode(200)
                .body("state", equalTo("MERGED"));
        ReviewOutcome approved = awaitOutcome(spec, "T2", TaskState.MERGED);
        assertThat(approved.reviewer()).isEqualTo("bo");
        assertThat(approved.level()).isEqualTo(2);
        assertThat(approved.decidedAt()).isAfterOrEqualTo(approved.requestedAt());
        assertThat(awaitDecision(spec, "T2", DecisionKind.REVIEW, "APPROVED").level())
                .isEqualTo(2);
        assertThat(repo.servedMain())
                .as("the approved merge is on the served main")
                .isEqualTo(approved.mergeCommit());
        assertThat(repo.servedFile("src/main/java/com/acme/auth/LoginCheck.java"))
                .contains("class LoginCheck");

        // reject T3
        given().contentType("application/json")
                .body("{\"reviewer\":\"cy\",\"comment\":\"generated noise\"}")
                .post("/reviews/{s}/{t}/reject", spec, "T3")
                .then()
                .statusCode(200)
                .body("state", equalTo("REJECTED"));
        ReviewOutcome rejected = awaitOutcome(spec, "T3", TaskState.REJECTED);
        assertThat(rejected.comment()).isEqualTo("generated noise");
        assertThat(awaitDecision(spec, "T3", DecisionKind.REVIEW, "REJECTED").decidedBy())
                .isEqualTo("cy");
    }

    @Test
    void theRepositorysLintCommandRunsOnTheAttemptAndAFailureNeedsAQuickScan() {
        String spec = Events.uniqueSpec("lint");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        repo.commitFile(".forgeline/review-rules.properties", "lint=sh lint.sh\n", "review rules");
        repo.commitFile(
                "lint.sh", "if grep -rn TODO lib; then echo 'TODO left in lib' >&2; exit 4; fi\n", "lint script");
        GitRepo.Attempt clean = repo.attemptBranch(spec, "T1", 1, "lib/ok.sh", "ok() {\n  echo ok\n}\n");
        GitRepo.Attempt dirty = repo.attemptBranch(spec, "T2", 1, "lib/todo.sh", "todo() {\n  echo TODO\n}\n");
        Served.serve(repo, "lint");

        publishAccepted(spec, "T1", 451, 1, repo, clean);
        ReviewOutcome merged = awaitOutcome(spec, "T1", TaskState.MERGED);
        assertThat(merged.level()).isZero();
        assertThat(merged.reasons()).contains("lint clean");

        publishAccepted(spec, "T2", 452, 1, repo, dirty);
        ReviewOutcome pending = awaitOutcome(spec, "T2", TaskState.IN_REVIEW);
        assertThat(pending.level()).isEqualTo(1);
        assertThat(pending.reasons()).containsExactly("lint failed: sh lint.sh exited with 4");
        given().get("/reviews/{s}/{t}", spec, "T2")
                .then()
                .statusCode(200)
                .body("lint.command", equalTo("sh lint.sh"))
                .body("lint.passed", equalTo(false))
                .body("lint.outputTail", containsString("TODO left in lib"));
        assertThat(repo.servedMain()).isEqualTo(merged.mergeCommit());
    }

    @Test
    void anApprovalThatTheRemoteRefusesIsAClearFailureWithNothingMerged() {
        String spec = Events.uniqueSpec("protected");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt large = repo.attemptBranch(spec, "T1", "data/big.txt", 150);
        Served.serve(repo, "protected");
        String mainBefore = repo.servedMain();
        String url = repo.url();
        Served.server().protectBranch(url.substring(url.lastIndexOf('/') + 1, url.length() - 4), "main");

        publishAccepted(spec, "T1", 471, 1, repo, large);
        awaitOutcome(spec, "T1", TaskState.IN_REVIEW);
        given().contentType("application/json")
                .body("{\"reviewer\":\"ana\"}")
                .post("/reviews/{s}/{t}/approve", spec, "T1")
                .then()
                .statusCode(409)
                .contentType("application/problem+json")
                .body("detail", containsString("refused the push of main"))
                .body("detail", containsString("protected branch"));

        assertThat(repo.servedMain()).as("nothing half-merged on the remote").isEqualTo(mainBefore);
        given().get("/reviews/{s}/{t}", spec, "T1")
                .then()
                .statusCode(200)
                .body("state", equalTo("PENDING"))
                .body("mergeCommit", org.hamcrest.Matchers.nullValue())
                .body("reasons", hasItem(containsString("refused the push of main")));
    }

    @Test
    void theLevelTwoToThreeBacklogOverCapacityHoldsBackRiskyTasks() {
        // backlog events of earlier tests stay on the topic: only those from this test on count
        Instant since = Instant.now();
        String spec = Events.uniqueSpec("backlog");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        int highRisk = given().get("/reviews/pending")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("findAll { it.level >= 2 }")
                .size();
        given().contentType("application/json")
                .body("{\"dailyCapacity\":" + (highRisk + 1) + "}")
                .put("/reviews/backlog")
                .then()
                .statusCode(200)
                .body("dailyCapacity", equalTo(highRisk + 1))
                .body("holdBack", equalTo(false));
        try {
            GitRepo.Attempt first = repo.attemptBranch(spec, "T1", 1, "security/policy-a.txt", "allow admins\n");
            GitRepo.Attempt second = repo.attemptBranch(spec, "T2", 1, "security/policy-b.txt", "allow readers\n");
            publishAccepted(spec, "T1", 501, 1, repo, first);
            awaitOutcome(spec, "T1", TaskState.IN_REVIEW);
            publishAccepted(spec, "T2", 502, 1, repo, second);
            awaitOutcome(spec, "T2", TaskState.IN_REVIEW);

            ReviewBacklog over = awaitBacklog(since, b -> b.holdBack() && b.pendingHighRisk() == highRisk + 2);
            assertThat(over.dailyCapacity()).isEqualTo(highRisk + 1);
            assertThat(over.reason()).contains("held back");
            given().get("/reviews/backlog").then().statusCode(200).body("holdBack", equalTo(true));

            for (String task : List.of("T1", "T2")) {
                given().contentType("application/json")
                        .body("{\"reviewer\":\"ana\",\"comment\":\"not needed\"}")
                        .post("/reviews/{s}/{t}/reject", spec, task)
                        .then()
                        .statusCode(200);
            }
            ReviewBacklog relieved = awaitBacklog(since, b -> !b.holdBack() && b.pendingHighRisk() == highRisk);
            assertThat(relieved.dailyCapacity()).isEqualTo(highRisk + 1);
        } finally {
            given().contentType("application/json")
                    .body("{\"dailyCapacity\":null}")
                    .put("/reviews/backlog")
                    .then()
                    .statusCode(200)
                    .body("dailyCapacity", equalTo(20));
        }
        given().contentType("application/json")
                .body("{\"dailyCapacity\":-1}")
                .put("/reviews/backlog")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("dailyCapacity"));
    }

    private static void publishAccepted(
            String spec, String task, long token, int attempt, GitRepo repo, GitRepo.Attempt work) {
        kafka.publish(
                EventType.TASK_RESULT, spec, task, task, Events.succeeded(spec, task, token, attempt, repo, work));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, task, task, Events.accepted(spec, task, token));
    }

    private static ReviewBacklog awaitBacklog(Instant since, java.util.function.Predicate<ReviewBacklog> match) {
        return kafka.await(
                        Topics.REVIEW_BACKLOG,
                        e -> e.eventType() == EventType.REVIEW_BACKLOG
                                && !e.occurredAt().isBefore(since)
                                && match.test(e.payloadAs(ReviewBacklog.class)),
                        1,
                        WAIT)
                .get(0)
                .payloadAs(ReviewBacklog.class);
    }

    private static DecisionRecorded awaitDecision(String spec, String task, DecisionKind kind, String outcome) {
        return kafka.await(
                        Topics.DECISIONS,
                        e -> spec.equals(e.specId())
                                && task.equals(e.taskId())
                                && e.payloadAs(DecisionRecorded.class).kind() == kind
                                && outcome.equals(
                                        e.payloadAs(DecisionRecorded.class).outcome()),
                        1,
                        WAIT)
                .get(0)
                .payloadAs(DecisionRecorded.class);
    }

    private static ReviewOutcome awaitOutcome(String spec, String task, TaskState state) {
        return kafka.await(
                        Topics.REVIEW_OUTCOMES,
                        e -> spec.equals(e.specId())
                                && task.equals(e.taskId())
                                && e.payloadAs(ReviewOutcome.class).state() == state,
                        1,
                        WAIT)
                .get(0)
                .payloadAs(ReviewOutcome.class);
    }
}
