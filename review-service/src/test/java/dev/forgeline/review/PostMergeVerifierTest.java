package dev.forgeline.review;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.ProposalOrigin;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskProposal;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The merge queue on real repositories: serialized merges, verify on main, automatic and manual reverts. */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class PostMergeVerifierTest {
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
    void twentyTasksFinishingAtOnceAreEachMergedExactlyOnce() throws Exception {
        String spec = Events.uniqueSpec("queue");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        List<GitRepo.Attempt> attempts = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            // odd tasks are small (merged automatically), even ones large (merged when a person approves)
            attempts.add(repo.attemptBranch(spec, "T" + i, "queue/file" + i + ".txt", i % 2 == 1 ? 3 : 150));
        }
        Served.serve(repo, "queue");
        for (int i = 1; i <= 20; i++) {
            kafka.publish(
                    EventType.TASK_RESULT,
                    spec,
                    "T" + i,
                    "T" + i,
                    Events.succeeded(spec, "T" + i, 100 + i, repo, attempts.get(i - 1)));
            kafka.publish(
                    EventType.TASK_STATE_CHANGED, spec, "T" + i, "T" + i, Events.accepted(spec, "T" + i, 100 + i));
        }
        // the ten large ones wait for a person; ten people approve them at the same moment,
        // while the small ones are still being merged from the result stream
        ExecutorService people = Executors.newFixedThreadPool(10);
        try {
            List<Future<Integer>> approvals = new ArrayList<>();
            for (int i = 2; i <= 20; i += 2) {
                String task = "T" + i;
                await().atMost(WAIT)
                        .untilAsserted(() -> given().get("/reviews/{s}/{t}", spec, task)
                                .then()
                                .statusCode(200)
                                .body("state", equalTo("PENDING")));
            }
            for (int i = 2; i <= 20; i += 2) {
                String task = "T" + i;
                approvals.add(people.submit((Callable<Integer>) () -> given().contentType("application/json")
                        .body("{\"reviewer\":\"person-" + task + "\"}")
                        .post("/reviews/{s}/{t}/approve", spec, task)
                        .then()
                        .extract()
                        .statusCode()));
            }
            for (Future<Integer> approval : approvals) {
                assertThat(approval.get()).isEqualTo(200);
            }
        } finally {
            people.shutdownNow();
        }
        List<ReviewOutcome> merged = kafka
                .await(
                        Topics.REVIEW_OUTCOMES,
                        e -> spec.equals(e.specId())
                                && e.payloadAs(ReviewOutcome.class).state() == TaskState.MERGED,
                        20,
                        WAIT)
                .stream()
                .map(e -> e.payloadAs(ReviewOutcome.class))
                .toList();
        assertThat(merged)
                .extracting(ReviewOutcome::taskId)
                .doesNotHaveDuplicates()
                .hasSize(20);

        repo.pull(); // the served main, in this checkout
        List<String> mergedTasks = new ArrayList<>();
        Matcher trailer = Pattern.compile("Forgeline-Task: " + Pattern.quote(spec) + "/(T\\d+)")
                .matcher(repo.git("log", "--first-parent", "--merges", "--format=%B", "main"));
        while (trailer.find()) {
            mergedTasks.add(trailer.group(1));
        }
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            expected.add("T" + i);
        }
        assertThat(mergedTasks)
                .as("main's history has each task exactly once")
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(repo.git("ls-tree", "-r", "--name-only", "main").lines().filter(f -> f.startsWith("queue/")))
                .hasSize(20);
        assertThat(repo.git("status", "--porcelain")).isEmpty();
        System.out.printf(
                "merge queue: 20 tasks (10 automatic, 10 approved concurrently) -> %d merge commits on main%n",
                mergedTasks.size());
    }

    @Test
    void aMergeThatTurnsMainRedIsRevertedWithinAMinuteAndAFixIsProposed() {
        String spec = Events.uniqueSpec("red");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        repo.commitFile(".forgeline/review-rules.properties", "verify=sh verify.sh\n", "review rules");
        repo.commitFile(
                "verify.sh",
                "echo checking main\nif [ -e broken.txt ]; then echo 'broken.txt breaks the build' >&2; exit 3; fi\n",
                "verify script");
        GitRepo.Attempt good = repo.attemptBranch(spec, "T1", "fine.txt", 2);
        GitRepo.Attempt bad = repo.attemptBranch(spec, "T2", "broken.txt", 2);
        Served.serve(repo, "red");

        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", Events.succeeded(spec, "T1", 201, repo, good));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", 201));
        awaitOutcome(spec, "T1", TaskState.MERGED);
        await().atMost(WAIT)
                .untilAsserted(() -> given().get("/reviews/{s}/{t}", spec, "T1")
                        .then()
                        .statusCode(200)
                        .body("verifyState", equalTo("PASSED"))
                        .body("verify.outputTail", containsString("checking main")));

        kafka.publish(EventType.TASK_RESULT, spec, "T2", "T2", Events.succeeded(spec, "T2", 202, repo, bad));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T2", "T2", Events.accepted(spec, "T2", 202));
        ReviewOutcome merged = awaitOutcome(spec, "T2", TaskState.MERGED);
        Instant mergedSeen = Instant.now();
        ReviewOutcome reverted = awaitOutcome(spec, "T2", TaskState.REVERTED);
        Duration revertedAfter = Duration.between(mergedSeen, Instant.now());
        System.out.printf(
                "red main: merge %s reverted %d ms after its MERGED outcome was seen%n",
                merged.mergeCommit().substring(0, 8), revertedAfter.toMillis());
        assertThat(revertedAfter).isLessThan(Duration.ofMinutes(1));
        assertThat(reverted.mergeCommit()).isEqualTo(merged.mergeCommit());
        assertThat(reverted.comment()).contains("sh verify.sh exited with 3");

        String revertCommit = repo.servedMain();
        repo.pull();
        assertThat(repo.rev("main")).isEqualTo(revertCommit);
        assertThat(repo.git("log", "-1", "--format=%B", "main")).contains("Forgeline-Revert: " + merged.mergeCommit());
        assertThat(repo.git("ls-tree", "-r", "--name-only", "main").lines())
                .doesNotContain("broken.txt")
                .contains("fine.txt");
        assertThat(repo.git("rev-list", "--count", merged.mergeCommit() + "..main"))
                .isEqualTo("1");
        given().get("/reviews/{s}/{t}", spec, "T2")
                .then()
                .statusCode(200)
                .body("state", equalTo("REVERTED"))
                .body("verifyState", equalTo("FAILED"))
                .body("revertTrigger", equalTo("red_main"))
                .body("revertCommit", equalTo(revertCommit))
                .body("verify.outputTail", containsString("broken.txt breaks the build"));

        TaskProposal fix = kafka.await(
                        Topics.TASKS_PROPOSALS,
                        e -> spec.equals(e.specId()) && e.eventType() == EventType.TASK_PROPOSED,
                        1,
                        WAIT)
                .get(0)
                .payloadAs(TaskProposal.class);
        assertThat(fix.origin()).isEqualTo(ProposalOrigin.REVERT_FIX);
        assertThat(fix.parentTaskId()).isEqualTo("T2");
        assertThat(fix.failureContext()).contains("broken.txt breaks the build");
        assertThat(fix.files()).containsExactly("broken.txt");
        assertThat(fix.text()).contains("Test command: sh verify.sh");
    }

    @Test
    void aPersonRevertsAMergeByHand() {
        String spec = Events.uniqueSpec("manual");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt attempt = repo.attemptBranch(spec, "T1", "feature.txt", 4);
        Served.serve(repo, "manual");
        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", Events.succeeded(spec, "T1", 301, repo, attempt));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", 301));
        ReviewOutcome merged = awaitOutcome(spec, "T1", TaskState.MERGED);
        String mergeId = given().get("/reviews/{s}/{t}", spec, "T1")
                .then()
                .statusCode(200)
                .body("verifyState", equalTo("SKIPPED"))
                .body("mergeId", notNullValue())
                .extract()
                .path("mergeId");
        given().get("/merges/{id}", merged.mergeCommit()).then().statusCode(200).body("mergeId", equalTo(mergeId));

        given().contentType("application/json")
                .body("{\"reviewer\":\"ana\",\"reason\":\"wrong approach\"}")
                .post("/merges/{id}/revert", mergeId)
                .then()
                .statusCode(200)
                .body("state", equalTo("REVERTED"))
                .body("revertTrigger", equalTo("manual"))
                .body("revertCommit", equalTo(repo.servedMain()));
        ReviewOutcome reverted = awaitOutcome(spec, "T1", TaskState.REVERTED);
        repo.pull();
        assertThat(reverted.reviewer()).isEqualTo("ana");
        assertThat(reverted.comment()).isEqualTo("wrong approach");
        assertThat(repo.git("ls-tree", "-r", "--name-only", "main").lines()).doesNotContain("feature.txt");
        assertThat(repo.git("log", "-1", "--format=%B", "main")).contains("Forgeline-Revert: " + merged.mergeCommit());
        int commits = repo.commitCount("main");

        // once is enough: a second revert is a 409 and changes nothing; unknown merges are 404
        given().contentType("application/json")
                .body("{}")
                .post("/merges/{id}/revert", mergeId)
                .then()
                .statusCode(409)
                .contentType("application/problem+json")
                .body("detail", containsString("REVERTED"));
        repo.pull();
        assertThat(repo.commitCount("main")).isEqualTo(commits);
        given().contentType("application/json")
                .body("{}")
                .post("/merges/{id}/revert", "00000000-0000-0000-0000-000000000000")
                .then()
                .statusCode(404);
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
