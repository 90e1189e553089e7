package dev.forgeline.review;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jakarta.inject.Inject;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.review.domain.TaskAttemptKey;
import dev.forgeline.review.repository.TaskAcceptanceRepository;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The join of results and acceptances, triage and the git merge, end to end over the real broker and git. */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = GitTokenResource.class, restrictToAnnotatedClass = false)
class ReviewMergeFlowTest {
    private static final Duration WAIT = Duration.ofSeconds(45);
    private static TestKafka kafka;

    @Inject
    TaskAcceptanceRepository acceptances;

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
    void resultThenAcceptanceMergesAndPushesToTheServedMain() {
        String spec = Events.uniqueSpec("merge");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt attempt = repo.attemptBranch(spec, "T1", "src/slug.sh", 3);
        Served.serve(repo, "merge");
        String mainBefore = repo.servedMain();

        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", Events.succeeded(spec, "T1", 11, repo, attempt));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", 11));

        ReviewOutcome merged = awaitOutcome(spec, "T1", TaskState.MERGED);
        assertThat(merged.fencingToken()).isEqualTo(11);
        assertThat(merged.level()).isZero();
        assertThat(merged.mergeCommit()).isEqualTo(repo.servedMain());
        assertThat(merged.linesMerged()).isEqualTo(3);
        assertThat(merged.branch()).isEqualTo(attempt.branch());
        assertThat(repo.servedFile("src/slug.sh")).isEqualTo("line 1\nline 2\nline 3\n");
        assertMergedOnMain(repo, merged.mergeCommit(), mainBefore, attempt, spec + "/T1", "src/slug.sh");

        given().get("/reviews/{spec}/{task}", spec, "T1")
                .then()
                .statusCode(200)
                .body("state", equalTo("MERGED"))
                .body("linesAdded", equalTo(3))
                .body("linesRemoved", equalTo(0))
                .body("filesChanged", equalTo(1))
                .body("decidedBy", equalTo("forgeline"))
                .body("mergeCommit", equalTo(merged.mergeCommit()));
    }

    @Test
    void acceptanceBeforeResultMergesIntoALocalRepositoryNamedByFileUrl() {
        String spec = Events.uniqueSpec("reverse");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt attempt = repo.attemptBranch(spec, "T2", "docs/notes.md", 5);
        repo.git("checkout", "-q", "-b", "elsewhere"); // main is not checked out anywhere
        String mainBefore = repo.rev("main");

        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T2", "T2", Events.accepted(spec, "T2", 21));
        awaitAcceptance(spec, "T2", 21);
        given().get("/reviews/{spec}/{task}", spec, "T2").then().statusCode(404);

        kafka.publish(EventType.TASK_RESULT, spec, "T2", "T2", Events.succeeded(spec, "T2", 21, repo, attempt));

        ReviewOutcome merged = awaitOutcome(spec, "T2", TaskState.MERGED);
        assertThat(merged.linesMerged()).isEqualTo(5);
        assertMergedOnMain(repo, merged.mergeCommit(), mainBefore, attempt, spec + "/T2", "docs/notes.md");
        assertThat(repo.git("worktree", "list", "--porcelain").lines().filter(l -> l.startsWith("worktree ")))
                .as("the temporary worktree is removed")
                .hasSize(1);
        assertThat(repo.git("rev-parse", "--abbrev-ref", "HEAD")).isEqualTo("elsewhere");
    }

    @Test
    void duplicateDeliveriesNeverMergeTwice() {
        String spec = Events.uniqueSpec("dup");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt attempt = repo.attemptBranch(spec, "T1", "a.txt", 2);
        Served.serve(repo, "dup");
        Envelope result =
                kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", Events.succeeded(spec, "T1", 31, repo, attempt));
        Envelope acceptance =
                kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", 31));
        ReviewOutcome merged = awaitOutcome(spec, "T1", TaskState.MERGED);
        repo.pull();
        int commitsAfterMerge = repo.commitCount("main");

        // the very same envelopes again (redelivery), and the same payloads in new envelopes (a resend)
        kafka.publish(Topics.TASKS_RESULTS, "T1", result);
        kafka.publish(Topics.TASKS_LIFECYCLE, "T1", acceptance);
        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", result.payloadAs(TaskResult.class));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", 31));

        // a later task on the same partitions (same key): once it is merged, the duplicates were handled
        String marker = Events.uniqueSpec("marker");
        GitRepo markerRepo = GitRepo.init(tmp.resolve("marker"));
        GitRepo.Attempt markerAttempt = markerRepo.attemptBranch(marker, "T1", "m.txt", 1);
        kafka.publish(
                EventType.TASK_RESULT,
                marker,
                "T1",
                "T1",
                Events.succeeded(marker, "T1", 32, markerRepo, markerAttempt));
        kafka.publish(EventType.TASK_STATE_CHANGED, marker, "T1", "T1", Events.accepted(marker, "T1", 32));
        awaitOutcome(marker, "T1", TaskState.MERGED);

        repo.pull();
        assertThat(repo.commitCount("main")).isEqualTo(commitsAfterMerge);
        assertThat(repo.servedMain()).isEqualTo(merged.mergeCommit());
        assertThat(outcomesOf(spec))
                .singleElement()
                .satisfies(o -> assertThat(o.state()).isEqualTo(TaskState.MERGED));
    }

    @Test
    void anAcceptanceOfAnotherFencingTokenNeverMerges() {
        String spec = Events.uniqueSpec("zombie");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt first = repo.attemptBranch(spec, "T1", "zombie1.txt", 2);
        GitRepo.Attempt second = repo.attemptBranch(spec, "T2", "zombie2.txt", 2);
        String mainBefore = repo.rev("main");

        // T1: the zombie's result (token 41) is here first; then the dispatcher accepts token 42
        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", Events.succeeded(spec, "T1", 41, repo, first));
        awaitReviewState(spec, "T1", "AWAITING_ACCEPTANCE");
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", 42));
        awaitAcceptance(spec, "T1", 42);

        // T2: the acceptance of token 44 is here first; then the zombie's result with token 43
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T2", "T2", Events.accepted(spec, "T2", 44));
        awaitAcceptance(spec, "T2", 44);
        kafka.publish(EventType.TASK_RESULT, spec, "T2", "T2", Events.succeeded(spec, "T2", 43, repo, second));
        awaitReviewState(spec, "T2", "AWAITING_ACCEPTANCE");

        // each handler committed after looking for the other under the task lock: nothing can follow
        for (String task : List.of("T1", "T2")) {
            given().get("/reviews/{spec}/{task}", spec, task)
                    .then()
                    .statusCode(200)
                    .body("state", equalTo("AWAITING_ACCEPTANCE"))
                    .body("level", nullValue())
                    .body("mergeCommit", nullValue());
        }
        given().get("/reviews?state=AWAITING_ACCEPTANCE").then().statusCode(200).body("specId", hasItem(spec));
        assertThat(repo.rev("main")).isEqualTo(mainBefore);
        assertThat(outcomesOf(spec)).isEmpty();
    }

    private void awaitAcceptance(String spec, String task, long fencingToken) {
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(QuarkusTransaction.requiringNew()
                                .call(() -> acceptances.findById(new TaskAttemptKey(spec, task, fencingToken))))
                        .isNotNull());
    }

    private static void awaitReviewState(String spec, String task, String state) {
        await().atMost(WAIT)
                .untilAsserted(() -> given().get("/reviews/{spec}/{task}", spec, task)
                        .then()
                        .statusCode(200)
                        .body("state", equalTo(state)));
    }

    @Test
    void aConflictFailsTheAttemptWithMergeConflictAndTheRetryOnTheNewMainMerges() {
        String spec = Events.uniqueSpec("conflict");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        repo.commitFile("greeting.txt", "hello\n", "greeting");
        String branch = "forgeline/" + spec + "/T1/a1";
        String base = repo.rev("main");
        repo.git("checkout", "-q", "-b", branch);
        String commit = repo.commitFile("greeting.txt", "hello from the agent\n", "agent greeting");
        repo.git("checkout", "-q", "main");
        repo.commitFile("greeting.txt", "hello from a person\n", "person greeting");
        Served.serve(repo, "conflict");
        String mainBefore = repo.servedMain();

        kafka.publish(
                EventType.TASK_RESULT,
                spec,
                "T1",
                "T1",
                Events.succeeded(spec, "T1", 51, repo, new GitRepo.Attempt(branch, base, commit)));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", 51));

        // never silent: the attempt fails with MERGE_CONFLICT, which the dispatcher retries on the new main
        ReviewOutcome failed = awaitOutcome(spec, "T1", TaskState.FAILED);
        assertThat(failed.failureClass()).isEqualTo(FailureClass.MERGE_CONFLICT);
        assertThat(failed.reasons()).contains("conflicts with main: greeting.txt");
        assertThat(failed.mergeCommit()).isNull();
        assertThat(failed.decidedAt()).isNotNull();
        assertThat(repo.servedMain()).as("nothing was pushed").isEqualTo(mainBefore);
        assertThat(repo.servedFile("greeting.txt")).isEqualTo("hello from a person\n");
        given().get("/reviews/{spec}/{task}", spec, "T1")
                .then()
                .statusCode(200)
                .body("state", equalTo("FAILED"))
                .body("failureClass", equalTo("MERGE_CONFLICT"))
                .body("reasons", hasItem("conflicts with main: greeting.txt"));
        // nothing left for a person to approve
        given().contentType("application/json")
                .body("{\"reviewer\":\"ana\"}")
                .post("/reviews/{spec}/{task}/approve", spec, "T1")
                .then()
                .statusCode(409)
                .contentType("application/problem+json")
                .body("detail", containsString("FAILED"));

        // the retry: attempt 2 starts from the new main and merges
        String retryBranch = "forgeline/" + spec + "/T1/a2";
        repo.git("checkout", "-q", "-b", retryBranch, "main");
        String retryCommit =
                repo.commitFile("greeting.txt", "hello from a person and the agent\n", "agent greeting, again");
        repo.git("checkout", "-q", "main");
        repo.push(retryBranch);
        kafka.publish(
                EventType.TASK_RESULT,
                spec,
                "T1",
                "T1",
                Events.succeeded(spec, "T1", 52, 2, repo, new GitRepo.Attempt(retryBranch, mainBefore, retryCommit)));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", 52));
        ReviewOutcome merged = awaitOutcome(spec, "T1", TaskState.MERGED);
        assertThat(merged.attempt()).isEqualTo(2);
        assertThat(repo.servedMain()).isEqualTo(merged.mergeCommit());
        repo.pull();
        assertThat(repo.git("show", "main:greeting.txt")).isEqualTo("hello from a person and the agent");
        given().get("/reviews/{spec}/{task}", spec, "T1")
                .then()
                .statusCode(200)
                .body("attempts.size()", equalTo(2))
                .body("attempts[0].reviewState", equalTo("FAILED"))
                .body("attempts[1].reviewState", equalTo("MERGED"));
    }

    private static void assertMergedOnMain(
            GitRepo repo, String mergeCommit, String mainBefore, GitRepo.Attempt attempt, String taskRef, String file) {
        if (repo.url().startsWith("http")) {
            repo.pull(); // what the served main holds, in this checkout
        }
        assertThat(repo.rev("main")).isEqualTo(mergeCommit);
        assertThat(repo.git("rev-list", "--parents", "-n", "1", mergeCommit).split(" "))
                .as("a merge commit of main and the attempt")
                .containsExactly(mergeCommit, mainBefore, attempt.commit());
        assertThat(repo.git("log", "-1", "--format=%B", mergeCommit))
                .contains("Merge " + attempt.branch())
                .contains("Forgeline-Task: " + taskRef);
        assertThat(repo.git("log", "-1", "--format=%an <%ae>", mergeCommit))
                .isEqualTo("Forgeline <forgeline@localhost>");
        assertThat(repo.git("ls-tree", "-r", "--name-only", "main").lines()).contains(file);
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

    private static List<ReviewOutcome> outcomesOf(String spec) {
        return kafka.readAll(Topics.REVIEW_OUTCOMES, Duration.ofSeconds(2)).stream()
                .filter(e -> spec.equals(e.specId()))
                .map(e -> e.payloadAs(ReviewOutcome.class))
                .toList();
    }
}
