package dev.forgeline.dispatcher;

import static dev.forgeline.dispatcher.DispatchFlowTest.isEvent;
import static dev.forgeline.dispatcher.DispatchFlowTest.isStateChange;
import static dev.forgeline.dispatcher.Fixtures.registerNode;
import static dev.forgeline.dispatcher.Fixtures.taskReady;
import static dev.forgeline.dispatcher.Fixtures.unique;
import static dev.forgeline.dispatcher.SupervisionTest.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import jakarta.inject.Inject;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.ProfileOffer;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.dispatcher.model.AttemptView;
import dev.forgeline.dispatcher.model.TaskView;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The retry table drives what happens to each failure class, end to end over the broker. */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class RetryFlowTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    AgroalDataSource dataSource;

    private TestKafka kafka;
    private Db db;

    @BeforeEach
    void connect() {
        kafka = TestKafka.forApplication();
        db = new Db(dataSource);
    }

    @AfterEach
    void disconnect() {
        kafka.close();
    }

    @Test
    void everyFailureClassIsHandledByItsRowOfTheTable() {
        String suite = "retry-" + unique();
        String node = "node-" + suite;
        registerNode(node, 16, Map.of("suite", suite));
        try (FakeWorker worker = new FakeWorker(kafka, db, node)) {
            // retried as is (or after backoff): a second attempt follows with the failure as context
            for (FailureClass failureClass : List.of(
                    FailureClass.ORPHANED,
                    FailureClass.TIMEOUT,
                    FailureClass.NETWORK,
                    FailureClass.AGENT_ERROR,
                    FailureClass.DEPENDENCY_RESOLUTION)) {
                String id = failureClass.name();
                submit(suite, id, null);
                fail(worker, suite, id, 1, failureClass, "boom " + id, null);
                TaskLeased retry = leased(suite, id, 2);
                assertThat(retry.previous().failureClass()).isEqualTo(failureClass);
                assertThat(retry.previous().attempt()).isEqualTo(1);
                assertThat(retry.previous().outputTail()).isNull();
                assertThat(retry.fencingToken())
                        .isGreaterThan(leased(suite, id, 1).fencingToken());
                assertThat(lastAttempt(suite, id).decision()).isEqualTo("RETRY");
            }

            // never retried: FAILED for good at once, permanent=true, no second lease
            for (FailureClass failureClass :
                    List.of(FailureClass.AMBIGUOUS_SPEC, FailureClass.BUDGET_EXCEEDED, FailureClass.CANCELLED)) {
                String id = failureClass.name();
                submit(suite, id, null);
                fail(worker, suite, id, 1, failureClass, "stop " + id, null);
                assertPermanent(suite, id, failureClass);
                assertThat(task(suite, id).leases()).hasSize(1);
            }

            // TEST_FAILURE: retried with the failing output as context, at most twice
            submit(suite, "TESTS", null);
            fail(worker, suite, "TESTS", 1, FailureClass.TEST_FAILURE, "2 tests failed", "FAILED: testAdd expected 3");
            assertThat(leased(suite, "TESTS", 2).previous().outputTail()).contains("testAdd expected 3");
            fail(worker, suite, "TESTS", 2, FailureClass.TEST_FAILURE, "1 test failed", "FAILED: testSub");
            assertThat(leased(suite, "TESTS", 3).previous().outputTail()).contains("testSub");
            fail(worker, suite, "TESTS", 3, FailureClass.TEST_FAILURE, "still failing", "FAILED: testSub");
            assertPermanent(suite, "TESTS", FailureClass.TEST_FAILURE);
            assertThat(task(suite, "TESTS").attempts())
                    .extracting(AttemptView::decision)
                    .containsExactly("RETRY", "RETRY", "PERMANENT");

            // review sends a succeeded attempt back: CHANGES_REQUESTED with the comment, MERGE_CONFLICT on the new main
            for (FailureClass failureClass : List.of(FailureClass.CHANGES_REQUESTED, FailureClass.MERGE_CONFLICT)) {
                String id = "REVIEW-" + failureClass.name();
                submit(suite, id, null);
                Db.LeaseRow lease = open(suite, id, 1);
                worker.finish(lease.id());
                kafka.publish(EventType.TASK_RESULT, suite, id, id, Fixtures.result(lease, lease.fencingToken(), true));
                await().atMost(WAIT)
                        .untilAsserted(() -> assertThat(task(suite, id).state()).isEqualTo(TaskState.SUCCEEDED));
                kafka.publish(
                        EventType.REVIEW_OUTCOME,
                        suite,
                        id,
                        id,
                        new ReviewOutcome(
                                suite,
                                id,
                                1,
                                lease.fencingToken(),
                                TaskState.FAILED,
                                2,
                                List.of("rule"),
                                "/tmp/repo",
                                lease.taskId(),
                                null,
                                0,
                                failureClass,
                                "alice",
                                "please rename the method",
                                Instant.now(),
                                Instant.now()));
                TaskLeased again = leased(suite, id, 2);
                assertThat(again.previous().failureClass()).isEqualTo(failureClass);
                assertThat(again.previous().reviewComment()).isEqualTo("please rename the method");
                assertThat(task(suite, id).attempts())
                        .extracting(AttemptView::outcome)
                        .containsExactly("SUCCEEDED", "REVIEW");
            }
            // clean up what still runs
            for (String id : List.of(
                    "ORPHANED",
                    "TIMEOUT",
                    "NETWORK",
                    "AGENT_ERROR",
                    "DEPENDENCY_RESOLUTION",
                    "REVIEW-CHANGES_REQUESTED",
                    "REVIEW-MERGE_CONFLICT")) {
                io.restassured.RestAssured.given()
                        .post("/tasks/{s}/{t}/cancel", suite, id)
                        .then()
                        .statusCode(200);
            }
        }
    }

    @Test
    void attemptsTheInfrastructureLostDoNotUseUpTheTasksAttempts() {
        String suite = "infra-" + unique();
        String node = "node-" + suite;
        registerNode(node, 4, Map.of("suite", suite));
        try (FakeWorker worker = new FakeWorker(kafka, db, node)) {
            submit(suite, "T1", null);
            // two failures of its own and four lost workers or networks: six attempts, past max-attempts (5)
            fail(worker, suite, "T1", 1, FailureClass.ORPHANED, "worker killed", null);
            fail(worker, suite, "T1", 2, FailureClass.AGENT_ERROR, "agent crashed", null);
            fail(worker, suite, "T1", 3, FailureClass.NETWORK, "connection reset", null);
            fail(worker, suite, "T1", 4, FailureClass.ORPHANED, "worker killed", null);
            fail(worker, suite, "T1", 5, FailureClass.AGENT_ERROR, "agent crashed", null);
            fail(worker, suite, "T1", 6, FailureClass.NETWORK, "connection reset", null);
            assertThat(leased(suite, "T1", 7).previous().failureClass()).isEqualTo(FailureClass.NETWORK);
            assertThat(task(suite, "T1").attempts())
                    .extracting(AttemptView::decision)
                    .containsOnly("RETRY");
            // its own attempts still end at five: the fifth of its own fails it for good, whatever its class allows
            fail(worker, suite, "T1", 7, FailureClass.TEST_FAILURE, "1 test failed", "FAILED: testAdd");
            fail(worker, suite, "T1", 8, FailureClass.TEST_FAILURE, "1 test failed", "FAILED: testAdd");
            fail(worker, suite, "T1", 9, FailureClass.TIMEOUT, "hung", null);
            assertThat(assertPermanent(suite, "T1", FailureClass.TIMEOUT).reason())
                    .contains("all 5 attempts used");
        }
    }

    @Test
    void contextExhaustedMovesToTheSmallestLargerProfileNodesOfferAndNeverToAProfileNamedDefault() {
        String suite = "context-" + unique();
        String node = "node-" + suite;
        String small = "small-" + suite;
        String mid = "mid-" + suite;
        String big = "big-" + suite;
        // the node's default (first offer) has 200k tokens; it also offers 400k and 1M, listed out of order
        registerNodeWithOffers(
                node,
                4,
                Map.of("suite", suite),
                List.of(
                        new ProfileOffer(small, "codex", "gpt-5-codex", 200_000),
                        new ProfileOffer(big, "gemini", "gemini-2.5-pro", 1_000_000),
                        new ProfileOffer(mid, "claude-code", "claude-sonnet-4-5", 400_000)));
        // a node elsewhere offers a bigger profile, but not the task's requirement: it does not count
        String elsewhere = "node-elsewhere-" + suite;
        registerNodeWithOffers(
                elsewhere,
                1,
                Map.of("suite", suite + "-other"),
                List.of(new ProfileOffer("huge-" + suite, "command", null, 2_000_000)));
        // a node offering only its default profile
        String lone = "node-lone-" + suite;
        registerNodeWithOffers(
                lone,
                1,
                Map.of("suite", suite + "-lone"),
                List.of(new ProfileOffer("default", "codex", "gpt-5-codex", 200_000)));
        try (FakeWorker worker = new FakeWorker(kafka, db, node);
                FakeWorker loneWorker = new FakeWorker(kafka, db, lone)) {
            // the task names no profile: it runs on the node's default
            submit(suite, "CONTEXT", null);
            assertThat(leased(suite, "CONTEXT", 1).agentProfile()).isNull();
            fail(worker, suite, "CONTEXT", 1, FailureClass.CONTEXT_EXHAUSTED, "context full", null);
            TaskLeased larger = leased(suite, "CONTEXT", 2);
            assertThat(larger.agentProfile()).isEqualTo(mid);
            assertThat(larger.nodeName()).isEqualTo(node);
            assertThat(task(suite, "CONTEXT").nextAgentProfile()).isEqualTo(mid);
            assertThat(task(suite, "CONTEXT").attempts().get(0).nextProfile()).isEqualTo(mid);
            fail(worker, suite, "CONTEXT", 2, FailureClass.CONTEXT_EXHAUSTED, "context full again", null);
            assertThat(leased(suite, "CONTEXT", 3).agentProfile()).isEqualTo(big);
            fail(worker, suite, "CONTEXT", 3, FailureClass.CONTEXT_EXHAUSTED, "still too large", null);
            // two retries used: FAILED for good, which the planner turns into a split
            assertThat(assertPermanent(suite, "CONTEXT", FailureClass.CONTEXT_EXHAUSTED)
                            .reason())
                    .contains("CONTEXT_EXHAUSTED retried 2 of 2 times");

            // a task already on the largest offered profile: nothing larger, so once more on the same profile in a
            // fresh session, then FAILED for good for the split
            submit(suite, "BIG", big);
            assertThat(leased(suite, "BIG", 1).agentProfile()).isEqualTo(big);
            fail(worker, suite, "BIG", 1, FailureClass.CONTEXT_EXHAUSTED, "context full", null);
            TaskLeased fresh = leased(suite, "BIG", 2);
            assertThat(fresh.agentProfile()).isEqualTo(big);
            assertThat(fresh.previous().failureClass()).isEqualTo(FailureClass.CONTEXT_EXHAUSTED);
            assertThat(task(suite, "BIG").attempts().get(0).nextProfile()).isNull();
            fail(worker, suite, "BIG", 2, FailureClass.CONTEXT_EXHAUSTED, "context full again", null);
            TaskStateChanged split = assertPermanent(suite, "BIG", FailureClass.CONTEXT_EXHAUSTED);
            assertThat(split.reason())
                    .contains("no agent profile with a larger context than " + big + " (1000000 tokens)")
                    .contains("splits");

            // a task on a node whose only offer is its default: no retry on "default" (it would wait forever)
            kafka.publish(
                    EventType.TASK_READY,
                    suite,
                    "LONE",
                    "LONE",
                    taskReady(suite, "LONE", Map.of("suite", suite + "-lone"), 0, 60, null, 1, List.of()));
            Db.LeaseRow lease = open(suite, "LONE", 1);
            loneWorker.finish(lease.id());
            kafka.publish(
                    EventType.TASK_RESULT,
                    suite,
                    "LONE",
                    "LONE",
                    Fixtures.failure(lease, FailureClass.CONTEXT_EXHAUSTED, "context full", null));
            // the fresh session runs on the node's default again, never on a profile named "default"
            Db.LeaseRow again = open(suite, "LONE", 2);
            assertThat(leased(suite, "LONE", 2).agentProfile()).isNull();
            loneWorker.finish(again.id());
            kafka.publish(
                    EventType.TASK_RESULT,
                    suite,
                    "LONE",
                    "LONE",
                    Fixtures.failure(again, FailureClass.CONTEXT_EXHAUSTED, "context full again", null));
            TaskStateChanged loneSplit = assertPermanent(suite, "LONE", FailureClass.CONTEXT_EXHAUSTED);
            assertThat(loneSplit.reason()).contains("than default (200000 tokens)");
            assertThat(task(suite, "LONE").nextAgentProfile()).isNull();
            assertThat(task(suite, "LONE").attempts())
                    .hasSize(2)
                    .allSatisfy(a -> assertThat(a.nextProfile()).isNull());
        }
    }

    static void registerNodeWithOffers(
            String name, int capacity, Map<String, String> labels, List<ProfileOffer> offers) {
        io.restassured.RestAssured.given()
                .contentType(io.restassured.http.ContentType.JSON)
                .body(Map.of("name", name, "capacity", capacity, "labels", labels, "profileOffers", offers))
                .post("/nodes")
                .then()
                .statusCode(200);
    }

    private void submit(String suite, String id, String profile) {
        kafka.publish(
                EventType.TASK_READY,
                suite,
                id,
                id,
                taskReady(suite, id, Map.of("suite", suite), 0, 60, profile, 1, List.of()));
    }

    private Db.LeaseRow open(String suite, String id, int attempt) {
        return await().atMost(WAIT)
                .until(
                        () -> db.openLease(suite, id),
                        l -> l.isPresent() && l.get().attempt() == attempt)
                .orElseThrow();
    }

    private void fail(
            FakeWorker worker,
            String suite,
            String id,
            int attempt,
            FailureClass failureClass,
            String detail,
            String output) {
        Db.LeaseRow lease = open(suite, id, attempt);
        worker.finish(lease.id());
        kafka.publish(EventType.TASK_RESULT, suite, id, id, Fixtures.failure(lease, failureClass, detail, output));
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(task(suite, id).attempts()).anySatisfy(a -> {
                    assertThat(a.attempt()).isEqualTo(attempt);
                    assertThat(a.failureClass()).isEqualTo(failureClass);
                    assertThat(a.fencingToken()).isEqualTo(lease.fencingToken());
                }));
    }

    private TaskLeased leased(String suite, String id, int attempt) {
        return kafka.await(
                        Topics.TASKS_LEASED,
                        isEvent(EventType.TASK_LEASED, suite, id)
                                .and(e -> e.payloadAs(TaskLeased.class).attempt() == attempt),
                        1,
                        WAIT)
                .get(0)
                .payloadAs(TaskLeased.class);
    }

    private TaskStateChanged assertPermanent(String suite, String id, FailureClass failureClass) {
        TaskStateChanged failed = kafka.await(
                        Topics.TASKS_LIFECYCLE,
                        isStateChange(suite, id, TaskState.FAILED)
                                .and(e -> e.payloadAs(TaskStateChanged.class).permanent()),
                        1,
                        WAIT)
                .get(0)
                .payloadAs(TaskStateChanged.class);
        assertThat(failed.failureClass()).isEqualTo(failureClass);
        await().atMost(WAIT).untilAsserted(() -> {
            TaskView view = task(suite, id);
            assertThat(view.state()).isEqualTo(TaskState.FAILED);
            assertThat(view.permanent()).isTrue();
            assertThat(view.attempts())
                    .last()
                    .satisfies(a -> assertThat(a.decision()).isEqualTo("PERMANENT"));
        });
        return failed;
    }

    private AttemptView lastAttempt(String suite, String id) {
        List<AttemptView> attempts = task(suite, id).attempts();
        return attempts.get(attempts.size() - 1);
    }
}
