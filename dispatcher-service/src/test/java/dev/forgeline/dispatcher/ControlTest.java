package dev.forgeline.dispatcher;

import static dev.forgeline.dispatcher.DispatchFlowTest.isEvent;
import static dev.forgeline.dispatcher.DispatchFlowTest.isStateChange;
import static dev.forgeline.dispatcher.Fixtures.registerNode;
import static dev.forgeline.dispatcher.Fixtures.stats;
import static dev.forgeline.dispatcher.Fixtures.taskReady;
import static dev.forgeline.dispatcher.Fixtures.unique;
import static dev.forgeline.dispatcher.SupervisionTest.task;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jakarta.inject.Inject;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskCommandKind;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.BudgetAlert;
import dev.forgeline.contracts.payload.LeaseRevoked;
import dev.forgeline.contracts.payload.ReviewBacklog;
import dev.forgeline.contracts.payload.TaskCommand;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.dispatcher.domain.NodeStatus;
import dev.forgeline.dispatcher.lease.LeaseOutcomeService;
import dev.forgeline.dispatcher.model.NodeView;
import dev.forgeline.dispatcher.model.TaskView;
import dev.forgeline.dispatcher.model.WaitingReason;
import dev.forgeline.support.problem.Problem;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.OpenApiContract;
import dev.forgeline.testsupport.TestKafka;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Operators' REST controls, planner commands, budget and review holds, and the dispatch order. */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class ControlTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    AgroalDataSource dataSource;

    @Inject
    LeaseOutcomeService leaseOutcomes;

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
    void openApiDocumentListsEveryEndpointAndTheProblemsTheyReallyAnswer() {
        OpenApiContract openApi = OpenApiContract.of(given().get("/q/openapi?format=json")
                .then()
                .statusCode(200)
                .extract()
                .asString());
        openApi.assertListsExactly(OpenApiContract.declaredOperations(
                Path.of("target", "classes"),
                "dev.forgeline.dispatcher",
                ControlTest.class.getClassLoader(),
                "")); // the service excludes nothing
        openApi.assertProblemSchemaMatches(Problem.class, Problem.ProblemError.class);
        assertThat(openApi.document().path("info").path("title").asText()).isEqualTo("Forgeline dispatcher API");

        String invalidQuery = "urn:forgeline:problem:invalid-task-query";
        openApi.assertDocumentsProblem("GET /tasks", 400, invalidQuery);
        given().queryParam("state", "NO_SUCH_STATE")
                .get("/tasks")
                .then()
                .statusCode(400)
                .contentType(OpenApiContract.PROBLEM_JSON)
                .body("type", equalTo(invalidQuery))
                .body("errors[0].field", equalTo("state"));
        openApi.assertDocumentsProblem("POST /nodes/{name}/drain", 404, "about:blank");
        given().post("/nodes/{n}/drain", "no-such-node")
                .then()
                .statusCode(404)
                .contentType(OpenApiContract.PROBLEM_JSON)
                .body("type", equalTo("about:blank"));
        openApi.assertDocumentsProblem(
                "POST /tasks/{specId}/{taskId}/retry", 409, "urn:forgeline:problem:illegal-task-transition");
    }

    @Test
    void cancelRetryAndIllegalTransitionsOverRest() {
        String suite = "rest-" + unique();
        String node = "node-" + suite;
        given().post("/tasks/{s}/{t}/cancel", "no-such", "T1")
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        given().post("/tasks/{s}/{t}/retry", "no-such", "T1")
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        registerNode(node, 1, Map.of("suite", suite));
        try (FakeWorker worker = new FakeWorker(kafka, db, node)) {
            kafka.publish(EventType.TASK_READY, suite, "T1", "T1", taskReady(suite, "T1", Map.of("suite", suite), 0));
            Db.LeaseRow lease = await().atMost(WAIT)
                    .until(() -> db.openLease(suite, "T1"), Optional::isPresent)
                    .orElseThrow();
            // retry of a running task: 409, nothing changed
            given().post("/tasks/{s}/{t}/retry", suite, "T1")
                    .then()
                    .statusCode(409)
                    .contentType("application/problem+json")
                    .body("detail", containsString("cannot be retried"));
            assertThat(db.openLease(suite, "T1")).isPresent();

            TaskView cancelled = given().queryParam("reason", "wrong approach")
                    .post("/tasks/{s}/{t}/cancel", suite, "T1")
                    .then()
                    .statusCode(200)
                    .extract()
                    .as(TaskView.class);
            assertThat(cancelled.state()).isEqualTo(TaskState.CANCELLED);
            assertThat(cancelled.leases())
                    .singleElement()
                    .satisfies(l -> assertThat(l.outcome()).hasToString("CANCELLED"));
            assertThat(db.openLeasesOfNode(node)).isEmpty();
            LeaseRevoked revoked = kafka.awaitOne(Topics.TASKS_LEASED, isEvent(EventType.LEASE_REVOKED, suite, "T1"))
                    .payloadAs(LeaseRevoked.class);
            assertThat(revoked.reason()).isEqualTo(FailureClass.CANCELLED);
            assertThat(revoked.fencingToken()).isEqualTo(lease.fencingToken());
            TaskStateChanged state = kafka.awaitOne(
                            Topics.TASKS_LIFECYCLE, isStateChange(suite, "T1", TaskState.CANCELLED))
                    .payloadAs(TaskStateChanged.class);
            assertThat(state.failureClass()).isEqualTo(FailureClass.CANCELLED);
            assertThat(state.reason()).isEqualTo("wrong approach");
            // cancelling again: 409, nothing changed
            given().post("/tasks/{s}/{t}/cancel", suite, "T1")
                    .then()
                    .statusCode(409)
                    .contentType("application/problem+json");
            assertThat(task(suite, "T1").leases()).hasSize(1);

            TaskView retried = given().post("/tasks/{s}/{t}/retry", suite, "T1")
                    .then()
                    .statusCode(200)
                    .extract()
                    .as(TaskView.class);
            assertThat(retried.state()).isIn(TaskState.READY, TaskState.LEASED);
            Db.LeaseRow again = await().atMost(WAIT)
                    .until(() -> db.openLease(suite, "T1"), Optional::isPresent)
                    .orElseThrow();
            assertThat(again.fencingToken()).isGreaterThan(lease.fencingToken());
            worker.finish(again.id());
            kafka.publish(EventType.TASK_RESULT, suite, "T1", "T1", Fixtures.result(again, again.fencingToken(), true));
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(task(suite, "T1").state()).isEqualTo(TaskState.SUCCEEDED));
            given().post("/tasks/{s}/{t}/cancel", suite, "T1").then().statusCode(409);
            assertThat(task(suite, "T1").state()).isEqualTo(TaskState.SUCCEEDED);
        }
    }

    @Test
    void drainCordonUncordonAndPauseResume() {
        String suite = "nodes-" + unique();
        String node = "node-" + suite;
        given().post("/nodes/{n}/drain", "no-such-node").then().statusCode(404).contentType("application/problem+json");
        registerNode(node, 1, Map.of("suite", suite));
        NodeView cordoned = given().post("/nodes/{n}/cordon", node)
                .then()
                .statusCode(200)
                .extract()
                .as(NodeView.class);
        assertThat(cordoned.status()).isEqualTo(NodeStatus.CORDONED);
        assertThat(cordoned.freeSlots()).isZero();
        kafka.publish(EventType.TASK_READY, suite, "T1", "T1", taskReady(suite, "T1", Map.of("suite", suite), 0));
        await().atMost(WAIT)
                .untilAsserted(
                        () -> assertThat(task(suite, "T1").waitingReason()).contains("schedule-to-start"));
        assertThat(db.openLease(suite, "T1")).isEmpty();
        assertThat(given().post("/nodes/{n}/drain", node)
                        .then()
                        .statusCode(200)
                        .extract()
                        .as(NodeView.class)
                        .status())
                .isEqualTo(NodeStatus.DRAINING);
        given().post("/nodes/{n}/cordon", node).then().statusCode(409).contentType("application/problem+json");
        // a re-registration keeps the operator's decision
        registerNode(node, 1, Map.of("suite", suite));
        assertThat(SupervisionTest.node(node).orElseThrow().status()).isEqualTo(NodeStatus.DRAINING);

        given().post("/dispatch/pause?reason=maintenance")
                .then()
                .statusCode(200)
                .body("paused", equalTo(true));
        assertThat(stats().paused()).isTrue();
        assertThat(stats().holdReasons()).anySatisfy(r -> assertThat(r).contains("maintenance"));
        try {
            given().post("/nodes/{n}/uncordon", node).then().statusCode(200).body("status", equalTo("READY"));
            await().atMost(WAIT)
                    .untilAsserted(
                            () -> assertThat(task(suite, "T1").waitingReason()).contains("maintenance"));
            assertThat(task(suite, "T1").waiting())
                    .extracting(WaitingReason::code)
                    .containsExactly(WaitingReason.PAUSED);
            await().during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(2))
                    .until(() -> db.openLease(suite, "T1").isEmpty());
        } finally {
            given().post("/dispatch/resume").then().statusCode(200).body("paused", equalTo(false));
        }
        await().atMost(WAIT).until(() -> db.openLease(suite, "T1"), Optional::isPresent);
        given().post("/tasks/{s}/{t}/cancel", suite, "T1").then().statusCode(200);
    }

    @Test
    void operatorActionsAreRecordedInTheAuditTrailWithWhoWhatAndWhy() {
        String suite = "audit-" + unique();
        String node = "node-" + suite;
        registerNode(node, 1, Map.of("suite", suite));
        given().header("Forgeline-Reason", "disk replacement on " + node)
                .post("/nodes/{n}/cordon", node)
                .then()
                .statusCode(200);
        given().post("/nodes/{n}/uncordon", node).then().statusCode(200);
        // refused actions change nothing and are not recorded
        given().post("/nodes/{n}/drain", "no-such-" + suite).then().statusCode(404);
        given().post("/tasks/{s}/{t}/cancel", suite, "T1").then().statusCode(404);

        given().queryParam("target", node)
                .get("/audit")
                .then()
                .statusCode(200)
                .body("", hasSize(2))
                .body("[0].action", equalTo("node.uncordon"))
                .body("[0].actor", equalTo("anonymous"))
                .body("[0].reason", equalTo(null))
                .body("[0].details.status", equalTo("READY"))
                .body("[1].action", equalTo("node.cordon"))
                .body("[1].target", equalTo(node))
                .body("[1].actor", equalTo("anonymous"))
                .body("[1].roles", hasItem("operator"))
                .body("[1].reason", equalTo("disk replacement on " + node))
                .body("[1].details.status", equalTo("CORDONED"));
        given().queryParam("target", node)
                .queryParam("action", "node.cordon")
                .queryParam("since", "10m")
                .queryParam("actor", "anonymous")
                .get("/audit")
                .then()
                .statusCode(200)
                .body("", hasSize(1));
        given().queryParam("target", node)
                .queryParam("since", "2999-01-01T00:00:00Z")
                .get("/audit")
                .then()
                .statusCode(200)
                .body("", hasSize(0));

        // a task's cancel keeps the query parameter's reason when no header is given
        kafka.publish(EventType.TASK_READY, suite, "T1", "T1", taskReady(suite, "T1", Map.of("suite", suite), 0));
        await().atMost(WAIT).until(() -> db.openLease(suite, "T1"), Optional::isPresent);
        given().queryParam("reason", "superseded by " + suite)
                .post("/tasks/{s}/{t}/cancel", suite, "T1")
                .then()
                .statusCode(200);
        given().queryParam("action", "task.cancel")
                .queryParam("target", suite + "/T1")
                .get("/audit")
                .then()
                .statusCode(200)
                .body("", hasSize(1))
                .body("[0].reason", equalTo("superseded by " + suite));
    }

    @Test
    void aReasonOverTheLimitIsRefusedAndChangesNothing() {
        String suite = "audit-long-" + unique();
        String node = "node-" + suite;
        registerNode(node, 1, Map.of("suite", suite));
        given().header("Forgeline-Reason", "x".repeat(1001))
                .post("/nodes/{n}/cordon", node)
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("https://forgeline.dev/problems/invalid-reason"))
                .body("errors[0].field", equalTo("Forgeline-Reason"))
                .body("detail", containsString("1001"));
        assertThat(SupervisionTest.node(node).orElseThrow().status()).isEqualTo(NodeStatus.READY);
        given().queryParam("target", node).get("/audit").then().statusCode(200).body("", hasSize(0));
        // exactly at the limit it is taken
        given().header("Forgeline-Reason", "y".repeat(1000))
                .post("/nodes/{n}/cordon", node)
                .then()
                .statusCode(200);
        given().queryParam("target", node)
                .get("/audit")
                .then()
                .statusCode(200)
                .body("[0].reason", equalTo("y".repeat(1000)));
    }

    @Test
    void badAuditQueriesAnswer400NamingTheParameter() {
        for (Map.Entry<String, String> bad : List.of(
                Map.entry("limit", "0"),
                Map.entry("limit", "1001"),
                Map.entry("since", "yesterday"),
                Map.entry("action", "node.explode"))) {
            given().queryParam(bad.getKey(), bad.getValue())
                    .get("/audit")
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("type", equalTo("https://forgeline.dev/problems/invalid-audit-query"))
                    .body("errors[0].field", equalTo(bad.getKey()));
        }
        given().queryParam("limit", "many")
                .get("/audit")
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
    }

    @Test
    void auditEntriesCannotBeChangedOrRemovedEvenWithSql() throws SQLException {
        String node = "node-audit-sql-" + unique();
        registerNode(node, 1, Map.of());
        given().post("/nodes/{n}/cordon", node).then().statusCode(200);
        for (String change : List.of(
                "UPDATE audit_entry SET reason = 'rewritten' WHERE target = '" + node + "'",
                "DELETE FROM audit_entry WHERE target = '" + node + "'",
                "TRUNCATE audit_entry")) {
            try (Connection c = dataSource.getConnection();
                    Statement statement = c.createStatement()) {
                assertThatThrownBy(() -> statement.executeUpdate(change))
                        .as(change)
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("audit_entry is append-only");
            }
        }
        given().queryParam("target", node)
                .get("/audit")
                .then()
                .statusCode(200)
                .body("", hasSize(1))
                .body("[0].reason", equalTo(null));
    }

    @Test
    void plannerCommandsCancelAndSupersedeAndANewRevisionReplacesTheQueuedTask() {
        String suite = "commands-" + unique();
        String node = "node-" + suite;
        registerNode(node, 2, Map.of("suite", suite));
        try (FakeWorker worker = new FakeWorker(kafka, db, node)) {
            kafka.publish(EventType.TASK_READY, suite, "T1", "T1", taskReady(suite, "T1", Map.of("suite", suite), 0));
            kafka.publish(EventType.TASK_READY, suite, "T2", "T2", taskReady(suite, "T2", Map.of("suite", suite), 0));
            Db.LeaseRow t1 = await().atMost(WAIT)
                    .until(() -> db.openLease(suite, "T1"), Optional::isPresent)
                    .orElseThrow();
            Db.LeaseRow t2 = await().atMost(WAIT)
                    .until(() -> db.openLease(suite, "T2"), Optional::isPresent)
                    .orElseThrow();

            kafka.publish(
                    EventType.TASK_COMMAND,
                    suite,
                    "T1",
                    suite + "/T1",
                    new TaskCommand(suite, "T1", TaskCommandKind.CANCEL, 2, "removed in revision 2"));
            kafka.awaitOne(Topics.TASKS_LIFECYCLE, isStateChange(suite, "T1", TaskState.CANCELLED));
            assertThat(kafka.awaitOne(Topics.TASKS_LEASED, isEvent(EventType.LEASE_REVOKED, suite, "T1"))
                            .payloadAs(LeaseRevoked.class)
                            .fencingToken())
                    .isEqualTo(t1.fencingToken());

            // SUPERSEDE stops the running attempt; the new revision's TASK_READY queues the new text
            kafka.publish(
                    EventType.TASK_COMMAND,
                    suite,
                    "T2",
                    suite + "/T2",
                    new TaskCommand(suite, "T2", TaskCommandKind.SUPERSEDE, 2, "text changed"));
            assertThat(kafka.awaitOne(Topics.TASKS_LEASED, isEvent(EventType.LEASE_REVOKED, suite, "T2"))
                            .payloadAs(LeaseRevoked.class)
                            .fencingToken())
                    .isEqualTo(t2.fencingToken());
            kafka.publish(
                    EventType.TASK_READY,
                    suite,
                    "T2",
                    "T2",
                    taskReady(suite, "T2", Map.of("suite", suite), 0, 60, null, 2, List.of()));
            TaskLeased revised = kafka.await(
                            Topics.TASKS_LEASED,
                            isEvent(EventType.TASK_LEASED, suite, "T2")
                                    .and(e ->
                                            e.payloadAs(TaskLeased.class).task().revision() == 2),
                            1,
                            WAIT)
                    .get(0)
                    .payloadAs(TaskLeased.class);
            assertThat(revised.task().title()).endsWith("r2");
            assertThat(revised.fencingToken()).isGreaterThan(t2.fencingToken());
            assertThat(task(suite, "T2").revision()).isEqualTo(2);
            // an older revision's duplicate changes nothing
            kafka.publish(
                    EventType.TASK_READY,
                    suite,
                    "T2",
                    "T2",
                    taskReady(suite, "T2", Map.of("suite", suite), 0, 60, null, 1, List.of()));
            kafka.publish(
                    EventType.TASK_COMMAND,
                    suite,
                    "T2",
                    suite + "/T2",
                    new TaskCommand(suite, "T2", TaskCommandKind.SUPERSEDE, 2, "late duplicate"));
            kafka.publish(
                    EventType.TASK_COMMAND,
                    "marker-" + suite,
                    "M",
                    "m",
                    new TaskCommand("marker-" + suite, "M", TaskCommandKind.CANCEL, 1, "marker"));
            await().atMost(WAIT).until(() -> db.outboxRows(suite + "/T2") == 0);
            TaskView t2View = task(suite, "T2");
            assertThat(t2View.revision()).isEqualTo(2);
            assertThat(t2View.state()).isIn(TaskState.LEASED, TaskState.RUNNING);
            assertThat(t2View.fencingToken()).isEqualTo(revised.fencingToken());
            given().post("/tasks/{s}/{t}/cancel", suite, "T2").then().statusCode(200);
        }
    }

    @Test
    void budgetAndReviewBacklogHoldTasksAndSayWhy() {
        String suite = "holds-" + unique();
        String node = "node-" + suite;
        registerNode(node, 4, Map.of("suite", suite));
        kafka.publish(
                EventType.BUDGET_ALERT,
                suite,
                null,
                "SPEC/" + suite,
                new BudgetAlert(
                        "SPEC", suite, null, 100, new BigDecimal("12.50"), new BigDecimal("12.00"), Instant.now()));
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(stats().holdReasons())
                        .anySatisfy(r -> assertThat(r).contains("budget of spec " + suite)));
        kafka.publish(
                EventType.REVIEW_BACKLOG,
                null,
                null,
                "review",
                new ReviewBacklog(9, 12, 4, true, "level 2-3 queue full", Instant.now()));
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(stats().holdReasons())
                        .anySatisfy(r -> assertThat(r).contains("review backlog")));
        String other = "holds-other-" + unique();
        try (FakeWorker worker = new FakeWorker(kafka, db, node)) {
            kafka.publish(EventType.TASK_READY, suite, "T1", "T1", taskReady(suite, "T1", Map.of("suite", suite), 0));
            kafka.publish(
                    EventType.TASK_READY,
                    other,
                    "MIGRATION",
                    "MIGRATION",
                    taskReady(
                            other,
                            "MIGRATION",
                            Map.of("suite", suite),
                            0,
                            60,
                            null,
                            1,
                            List.of("src/main/resources/db/migration/V9__x.sql")));
            kafka.publish(
                    EventType.TASK_READY,
                    other,
                    "DOCS",
                    "DOCS",
                    taskReady(other, "DOCS", Map.of("suite", suite), 0, 60, null, 1, List.of("README.md")));
            // the low-risk task of an unheld spec runs; the others wait and say why
            await().atMost(WAIT).until(() -> db.openLease(other, "DOCS"), Optional::isPresent);
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(task(suite, "T1").waitingReason()).contains("budget of spec " + suite);
                assertThat(task(other, "MIGRATION").waitingReason()).contains("review backlog");
            });
            assertThat(task(suite, "T1").waiting())
                    .extracting(WaitingReason::code)
                    .contains(WaitingReason.BUDGET_HOLD)
                    .doesNotContain(WaitingReason.NO_MATCHING_NODE);
            assertThat(task(other, "MIGRATION").waiting())
                    .extracting(WaitingReason::code)
                    .contains(WaitingReason.REVIEW_HOLD)
                    .doesNotContain(WaitingReason.BUDGET_HOLD);
            assertThat(db.openLease(suite, "T1")).isEmpty();
            assertThat(db.openLease(other, "MIGRATION")).isEmpty();
            kafka.publish(
                    EventType.REVIEW_BACKLOG,
                    null,
                    null,
                    "review",
                    new ReviewBacklog(1, 3, 4, false, null, Instant.now()));
            await().atMost(WAIT).until(() -> db.openLease(other, "MIGRATION"), Optional::isPresent);
            assertThat(db.openLease(suite, "T1")).isEmpty();
        } finally {
            given().post("/dispatch/resume?all=true").then().statusCode(200);
        }
        await().atMost(WAIT).until(() -> db.openLease(suite, "T1"), Optional::isPresent);
        for (String[] t : new String[][] {{suite, "T1"}, {other, "MIGRATION"}, {other, "DOCS"}}) {
            given().post("/tasks/{s}/{t}/cancel", t[0], t[1]).then().statusCode(200);
        }
    }

    @Test
    void priorityFirstThenSpecsTakeTurnsThenAge() {
        String suite = "order-" + unique();
        String node = "node-" + suite;
        registerNode(node, 1, Map.of("suite", suite));
        given().post("/nodes/{n}/cordon", node).then().statusCode(200);
        // spec A is big and came first; spec B came later; C has one urgent task
        for (int i = 1; i <= 4; i++) {
            kafka.publish(
                    EventType.TASK_READY,
                    suite + "-a",
                    "A" + i,
                    "A" + i,
                    taskReady(suite + "-a", "A" + i, Map.of("suite", suite), 0));
            String id = "A" + i;
            await().atMost(WAIT).until(() -> db.countTasks(suite + "-a", "READY") >= Integer.parseInt(id.substring(1)));
        }
        for (int i = 1; i <= 2; i++) {
            kafka.publish(
                    EventType.TASK_READY,
                    suite + "-b",
                    "B" + i,
                    "B" + i,
                    taskReady(suite + "-b", "B" + i, Map.of("suite", suite), 0));
            String id = "B" + i;
            await().atMost(WAIT).until(() -> db.countTasks(suite + "-b", "READY") >= Integer.parseInt(id.substring(1)));
        }
        kafka.publish(
                EventType.TASK_READY,
                suite + "-c",
                "C1",
                "C1",
                taskReady(suite + "-c", "C1", Map.of("suite", suite), 9));
        await().atMost(WAIT).until(() -> db.countTasks(suite + "-c", "READY") == 1);
        given().post("/nodes/{n}/uncordon", node).then().statusCode(200);

        List<String> order = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            Db.LeaseRow lease = await().atMost(WAIT)
                    .until(() -> db.openLeasesOfNode(node), l -> l.size() == 1)
                    .get(0);
            order.add(lease.taskId());
            assertThat(leaseOutcomes.applyResult(Fixtures.result(lease, lease.fencingToken(), true)))
                    .isTrue();
        }
        assertThat(order).containsExactly("C1", "A1", "B1", "A2", "B2", "A3", "A4");
        assertThat(db.maxConcurrentLeases(node)).isEqualTo(1);
    }

    @Test
    void starvingTaskBehindAFullHigherTierKeepsItsFullRankInItsSpec() {
        String suite = "starving-" + unique();
        String node = "node-" + suite;
        // one slot: each round asks for one task, so each (spec, priority) tier is read one task deep
        registerNode(node, 1, Map.of("suite", suite));
        given().post("/nodes/{n}/cordon", node).then().statusCode(200);
        String x = suite + "-x";
        String y = suite + "-y";
        String[][] tasks = {
            {x, "X-HIGH1", "5"}, {x, "X-HIGH2", "5"}, {x, "X-OLD", "0"}, {y, "Y-HIGH", "5"}, {y, "Y-OLD", "0"}
        };
        // one at a time, so that each is READY later than the one before
        Map<String, Integer> published = new java.util.HashMap<>();
        for (String[] t : tasks) {
            kafka.publish(
                    EventType.TASK_READY,
                    t[0],
                    t[1],
                    t[1],
                    taskReady(t[0], t[1], Map.of("suite", suite), Integer.parseInt(t[2])));
            int ofSpec = published.merge(t[0], 1, Integer::sum);
            await().atMost(WAIT).until(() -> db.countTasks(t[0], "READY") == ofSpec);
        }
        // both low-priority tasks READY past the starvation limit (10 min); X-OLD the older
        db.execute(
                "UPDATE task SET ready_at = now() - interval '30 minutes' WHERE spec_id = ? AND task_id = 'X-OLD'", x);
        db.execute(
                "UPDATE task SET ready_at = now() - interval '20 minutes' WHERE spec_id = ? AND task_id = 'Y-OLD'", y);
        given().post("/nodes/{n}/uncordon", node).then().statusCode(200);

        List<String> order = new ArrayList<>();
        for (int i = 0; i < tasks.length; i++) {
            Db.LeaseRow lease = await().atMost(WAIT)
                    .until(() -> db.openLeasesOfNode(node), l -> l.size() == 1)
                    .get(0);
            order.add(lease.taskId());
            assertThat(leaseOutcomes.applyResult(Fixtures.result(lease, lease.fencingToken(), true)))
                    .isTrue();
        }
        // starving first; Y-OLD ranks 2nd in its spec (behind Y-HIGH) and X-OLD 3rd (behind both X-HIGH), although
        // the round read only the first task of spec X's priority-5 tier; then priority, specs taking turns
        assertThat(order).containsExactly("Y-OLD", "X-OLD", "X-HIGH1", "Y-HIGH", "X-HIGH2");
    }
}
