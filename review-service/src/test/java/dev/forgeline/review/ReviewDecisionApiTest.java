package dev.forgeline.review;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Level 1 reviews and the decisions people take on them through the REST API. */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class ReviewDecisionApiTest {
    private static final Duration WAIT = Duration.ofSeconds(45);
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
    void largeDiffsWaitForAPersonWhoApprovesOrRejects() {
        String spec = Events.uniqueSpec("big");
        GitRepo work = GitRepo.init(tmp.resolve("work"));
        GitRepo.Attempt first = work.attemptBranch(spec, "T1", "big1.txt", 150);
        GitRepo.Attempt second = work.attemptBranch(spec, "T2", "big2.txt", 150);
        GitRepo bare = work.bareClone(tmp.resolve("origin.git")); // a bare repository: merges in a temporary worktree
        String mainBefore = bare.rev("main");

        // the worker claims one changed line; git counts 150
        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", Events.succeeded(spec, "T1", 61, bare, first));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", 61));
        kafka.publish(EventType.TASK_RESULT, spec, "T2", "T2", Events.succeeded(spec, "T2", 62, bare, second));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T2", "T2", Events.accepted(spec, "T2", 62));

        for (String task : List.of("T1", "T2")) {
            ReviewOutcome inReview = awaitOutcome(spec, task, TaskState.IN_REVIEW);
            assertThat(inReview.level()).isEqualTo(1);
            assertThat(inReview.reasons()).containsExactly("150 changed lines (limit 100)");
            assertThat(inReview.mergeCommit()).isNull();
        }
        assertThat(bare.rev("main")).isEqualTo(mainBefore);

        JsonPath pending = given().get("/reviews?state=PENDING")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(pending.getList("findAll { it.specId == '" + spec + "' }.taskId", String.class))
                .containsExactlyInAnyOrder("T1", "T2");
        assertThat(pending.getList("state", String.class)).containsOnly("PENDING");
        given().get("/reviews/{spec}/{task}", spec, "T1")
                .then()
                .statusCode(200)
                .body("linesAdded", equalTo(150))
                .body("level", equalTo(1))
                .body("decidedAt", nullValue());

        // approve T1: merged into the bare repository's main
        String mergeCommit = given().contentType("application/json")
                .body("{\"reviewer\":\"ana\",\"reason\":\"generated fixture data\"}")
                .post("/reviews/{spec}/{task}/approve", spec, "T1")
                .then()
                .statusCode(200)
                .body("state", equalTo("MERGED"))
                .body("decidedBy", equalTo("ana"))
                .body("decisionReason", equalTo("generated fixture data"))
                .body("decisionLagMillis", greaterThanOrEqualTo(0))
                .body("mergeCommit", notNullValue())
                .extract()
                .path("mergeCommit");
        assertThat(bare.rev("main")).isEqualTo(mergeCommit);
        assertThat(bare.git("log", "-1", "--format=%B", "main")).contains("Forgeline-Task: " + spec + "/T1");
        assertThat(bare.git("ls-tree", "-r", "--name-only", "main").lines()).contains("big1.txt");
        ReviewOutcome merged = awaitOutcome(spec, "T1", TaskState.MERGED);
        assertThat(merged.mergeCommit()).isEqualTo(mergeCommit);
        assertThat(merged.linesMerged()).isEqualTo(150);
        assertThat(bare.git("worktree", "list", "--porcelain").lines().filter(l -> l.startsWith("worktree ")))
                .hasSize(1);

        // a second approval finds nothing pending
        given().contentType("application/json")
                .body("{}")
                .post("/reviews/{spec}/{task}/approve", spec, "T1")
                .then()
                .statusCode(409)
                .contentType("application/problem+json")
                .body("detail", containsString("MERGED"));

        // reject T2: a reason is required
        given().contentType("application/json")
                .body("{\"reviewer\":\"ana\"}")
                .post("/reviews/{spec}/{task}/reject", spec, "T2")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("comment"));
        given().contentType("application/json")
                .header("Forgeline-Reason", "duplicate of T1")
                .body("{\"reviewer\":\"ana\",\"reason\":\"out of scope\"}")
                .post("/reviews/{spec}/{task}/reject", spec, "T2")
                .then()
                .statusCode(200)
                .body("state", equalTo("REJECTED"))
                .body("decisionReason", equalTo("out of scope"));
        ReviewOutcome rejected = awaitOutcome(spec, "T2", TaskState.REJECTED);
        assertThat(rejected.level()).isEqualTo(1);
        assertThat(bare.git("ls-tree", "-r", "--name-only", "main").lines()).doesNotContain("big2.txt");
        given().contentType("application/json")
                .body("{\"reviewer\":\"bo\"}")
                .post("/reviews/{spec}/{task}/approve", spec, "T2")
                .then()
                .statusCode(409)
                .contentType("application/problem+json");

        given().get("/reviews?state=REJECTED").then().statusCode(200).body("specId", hasItem(spec));
        given().get("/reviews?state=PENDING").then().statusCode(200).body("specId", not(hasItem(spec)));

        // the trail: each decision that took effect, with who, why and the state it left; refused ones are absent
        given().queryParam("target", spec + "/T1")
                .get("/audit")
                .then()
                .statusCode(200)
                .body("size()", equalTo(1))
                .body("[0].action", equalTo("review.approve"))
                .body("[0].actor", equalTo("anonymous"))
                .body("[0].reason", equalTo("generated fixture data"))
                .body("[0].details.reviewer", equalTo("ana"))
                .body("[0].details.state", equalTo("MERGED"));
        // the Forgeline-Reason header wins over the body's reason in the trail; the review keeps its own
        given().queryParam("target", spec + "/T2")
                .get("/audit")
                .then()
                .statusCode(200)
                .body("size()", equalTo(1))
                .body("[0].action", equalTo("review.reject"))
                .body("[0].reason", equalTo("duplicate of T1"))
                .body("[0].details.state", equalTo("REJECTED"));
    }

    @Test
    void aCapacityChangeIsAuditedAndAnOverlongReasonChangesNothing() {
        Integer before =
                given().get("/reviews/backlog").then().statusCode(200).extract().path("dailyCapacity");
        given().contentType("application/json")
                .header("Forgeline-Reason", "r".repeat(1001))
                .body("{\"dailyCapacity\": 97}")
                .put("/reviews/backlog")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("https://forgeline.dev/problems/invalid-reason"))
                .body("errors[0].field", equalTo("Forgeline-Reason"));
        given().get("/reviews/backlog").then().statusCode(200).body("dailyCapacity", equalTo(before));
        given().queryParam("action", "review.capacity.set")
                .queryParam("since", "5m")
                .get("/audit")
                .then()
                .statusCode(200)
                .body("reason", not(hasItem("r".repeat(1001))));

        String reason = "back to the configured capacity " + Events.uniqueSpec("cap");
        given().contentType("application/json")
                .header("Forgeline-Reason", reason)
                .body("{\"dailyCapacity\": null}")
                .put("/reviews/backlog")
                .then()
                .statusCode(200);
        given().queryParam("action", "review.capacity.set")
                .queryParam("limit", 1)
                .get("/audit")
                .then()
                .statusCode(200)
                .body("[0].reason", equalTo(reason))
                .body("[0].details.dailyCapacity", equalTo("configured"));
    }

    @Test
    void unknownReviewsAndStatesAreProblems() {
        given().get("/reviews/{spec}/{task}", "nope-00000000", "T9")
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        given().contentType("application/json")
                .body("{\"reviewer\":\"ana\",\"reason\":\"x\"}")
                .post("/reviews/{spec}/{task}/reject", "nope-00000000", "T9")
                .then()
                .statusCode(404);
        given().get("/reviews?state=SOMETIMES")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("state"));
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
