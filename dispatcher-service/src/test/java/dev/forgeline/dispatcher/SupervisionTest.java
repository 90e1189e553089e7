package dev.forgeline.dispatcher;

import static dev.forgeline.dispatcher.DispatchFlowTest.isEvent;
import static dev.forgeline.dispatcher.DispatchFlowTest.isStateChange;
import static dev.forgeline.dispatcher.Fixtures.registerNode;
import static dev.forgeline.dispatcher.Fixtures.stats;
import static dev.forgeline.dispatcher.Fixtures.taskReady;
import static dev.forgeline.dispatcher.Fixtures.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jakarta.inject.Inject;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.LeaseRevoked;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.dispatcher.domain.NodeStatus;
import dev.forgeline.dispatcher.model.DispatchStatus;
import dev.forgeline.dispatcher.model.NodeView;
import dev.forgeline.dispatcher.model.TaskView;
import dev.forgeline.dispatcher.model.WaitingReason;
import dev.forgeline.dispatcher.supervision.SupervisionStart;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.ChannelRegistry;
import io.smallrye.reactive.messaging.PausableChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Supervision on the real broker and database, with the test profile's short intervals (heartbeat 1 s, three
 * missed = orphaned, sweep every 1 s, minimum lease 2 s).
 */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class SupervisionTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** three missed 1 s intervals, plus one sweep (1 s), plus one second of slack for the broker hops */
    private static final Duration THREE_INTERVALS_AND_A_SWEEP = Duration.ofSeconds(3 + 1 + 1);

    /** missed-heartbeats (3) x heartbeat-interval (1 s) of the test profile */
    private static final Duration SILENCE_WINDOW = Duration.ofSeconds(3);

    @Inject
    AgroalDataSource dataSource;

    @Inject
    SupervisionStart supervisionStart;

    @Inject
    ChannelRegistry channels;

    private TestKafka kafka;
    private Db db;

    @BeforeEach
    void connect() {
        kafka = TestKafka.forApplication();
        db = new Db(dataSource);
        // the timings below count from supervision judging: after the application's start (or a test's modelled
        // restart) it waits for the silence window and the heartbeat partitions' assignment first
        await().atMost(Duration.ofMinutes(1))
                .until(() -> supervisionStart.status().judging());
    }

    @AfterEach
    void disconnect() {
        kafka.close();
    }

    @Test
    void workerThatStopsHeartbeatingHasItsTaskRequeuedWithinThreeIntervalsPlusOneSweep() {
        String suite = "silent-" + unique();
        String node = "node-" + suite;
        registerNode(node, 1, Map.of("suite", suite));
        try (FakeWorker worker = new FakeWorker(kafka, db, node)) {
            kafka.publish(EventType.TASK_READY, suite, "T1", "T1", taskReady(suite, "T1", Map.of("suite", suite), 0));
            Db.LeaseRow lease = await().atMost(WAIT)
                    .until(() -> db.openLease(suite, "T1"), Optional::isPresent)
                    .orElseThrow();
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(task(suite, "T1").state()).isEqualTo(TaskState.RUNNING));

            // the worker freezes: no more heartbeats for this attempt
            worker.finish(lease.id());
            Instant silentSince = Instant.now();
            await().atMost(THREE_INTERVALS_AND_A_SWEEP).untilAsserted(() -> {
                TaskView view = task(suite, "T1");
                assertThat(view.leases())
                        .first()
                        .satisfies(l -> assertThat(l.outcome()).hasToString("ORPHANED"));
            });
            assertThat(Duration.between(silentSince, Instant.now())).isLessThanOrEqualTo(THREE_INTERVALS_AND_A_SWEEP);

            TaskStateChanged requeued = kafka.awaitOne(
                            Topics.TASKS_LIFECYCLE, isStateChange(suite, "T1", TaskState.READY))
                    .payloadAs(TaskStateChanged.class);
            assertThat(requeued.failureClass()).isEqualTo(FailureClass.ORPHANED);
            assertThat(requeued.fencingToken()).isEqualTo(lease.fencingToken());
            TaskStateChanged failed = kafka.awaitOne(
                            Topics.TASKS_LIFECYCLE, isStateChange(suite, "T1", TaskState.FAILED))
                    .payloadAs(TaskStateChanged.class);
            assertThat(failed.permanent()).isFalse();
            // the node is told to kill the attempt, keyed by node name, with the revoked token
            LeaseRevoked revoked = kafka.awaitOne(Topics.TASKS_LEASED, isEvent(EventType.LEASE_REVOKED, suite, "T1"))
                    .payloadAs(LeaseRevoked.class);
            assertThat(revoked.reason()).isEqualTo(FailureClass.ORPHANED);
            assertThat(revoked.fencingToken()).isEqualTo(lease.fencingToken());
            assertThat(revoked.nodeName()).isEqualTo(node);
            // the attempt is in the history with the decision, and the next attempt has a higher token
            Db.LeaseRow second = await().atMost(WAIT)
                    .until(
                            () -> db.openLease(suite, "T1"),
                            l -> l.isPresent() && l.get().attempt() == 2)
                    .orElseThrow();
            assertThat(second.fencingToken()).isGreaterThan(lease.fencingToken());
            assertThat(task(suite, "T1").attempts()).first().satisfies(a -> {
                assertThat(a.failureClass()).isEqualTo(FailureClass.ORPHANED);
                assertThat(a.decision()).isEqualTo("RETRY");
                assertThat(a.fencingToken()).isEqualTo(lease.fencingToken());
            });
            worker.finish(second.id());
            kafka.publish(
                    EventType.TASK_RESULT, suite, "T1", "T1", Fixtures.result(second, second.fencingToken(), true));
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(task(suite, "T1").state()).isEqualTo(TaskState.SUCCEEDED));
        }
    }

    @Test
    void pausedWorkersLateResultIsRejectedByItsTokenAndChangesNothing() {
        String suite = "zombie-" + unique();
        String node = "node-" + suite;
        registerNode(node, 1, Map.of("suite", suite));
        kafka.publish(EventType.TASK_READY, suite, "T1", "T1", taskReady(suite, "T1", Map.of("suite", suite), 0));
        // a SIGSTOPped worker sends nothing: its lease is orphaned and the task leased again
        Db.LeaseRow first = await().atMost(WAIT)
                .until(() -> db.openLease(suite, "T1"), Optional::isPresent)
                .orElseThrow();
        try (FakeWorker worker = new FakeWorker(kafka, db, "nobody")) {
            Db.LeaseRow second = await().atMost(WAIT)
                    .until(
                            () -> db.openLease(suite, "T1"),
                            l -> l.isPresent() && l.get().attempt() == 2)
                    .orElseThrow();
            long staleResults = stats().staleResults();
            long staleAcks = stats().staleAcks();
            // SIGCONT: the zombie finishes and reports success with its old token
            kafka.publish(EventType.TASK_RESULT, suite, "T1", "T1", Fixtures.result(first, first.fencingToken(), true));
            // and acknowledges the revocation it finally read
            kafka.publish(
                    EventType.TASK_RESULT,
                    suite,
                    "T1",
                    "T1",
                    Fixtures.failure(first, FailureClass.ORPHANED, "revoked", null));
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(stats().staleResults()).isEqualTo(staleResults + 1);
                assertThat(stats().staleAcks()).isEqualTo(staleAcks + 1);
            });
            TaskView view = task(suite, "T1");
            assertThat(view.state()).isIn(TaskState.LEASED, TaskState.RUNNING);
            assertThat(view.fencingToken()).isEqualTo(second.fencingToken());
            assertThat(view.leases()).hasSize(2);
            assertThat(view.leases().get(1).endedAt()).isNull();
            assertThat(db.countTasks(suite, "SUCCEEDED")).isZero();
            kafka.publish(
                    EventType.TASK_RESULT, suite, "T1", "T1", Fixtures.result(second, second.fencingToken(), true));
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(task(suite, "T1").state()).isEqualTo(TaskState.SUCCEEDED));
        }
    }

    @Test
    void hungAgentIsRevokedAtOneAndAHalfTimesItsEstimate() {
        String suite = "hung-" + unique();
        String node = "node-" + suite;
        registerNode(node, 1, Map.of("suite", suite));
        try (FakeWorker worker = new FakeWorker(kafka, db, node)) {
            // estimate 2 s: the deadline is 3 s after the lease, however alive the worker's heartbeats say it is
            kafka.publish(
                    EventType.TASK_READY,
                    suite,
                    "T1",
                    "T1",
                    taskReady(suite, "T1", Map.of("suite", suite), 0, 2, null, 1, List.of()));
            TaskLeased leased = kafka.awaitOne(Topics.TASKS_LEASED, isEvent(EventType.TASK_LEASED, suite, "T1"))
                    .payloadAs(TaskLeased.class);
            assertThat(Duration.between(leased.leasedAt(), leased.deadline())).isEqualTo(Duration.ofSeconds(3));
            Envelope revokedEnvelope =
                    kafka.awaitOne(Topics.TASKS_LEASED, isEvent(EventType.LEASE_REVOKED, suite, "T1"));
            LeaseRevoked revoked = revokedEnvelope.payloadAs(LeaseRevoked.class);
            assertThat(revoked.reason()).isEqualTo(FailureClass.TIMEOUT);
            assertThat(revoked.fencingToken()).isEqualTo(leased.fencingToken());
            assertThat(revoked.detail()).contains("start-to-close");
            assertThat(Duration.between(leased.leasedAt(), revoked.revokedAt()))
                    .isBetween(Duration.ofSeconds(3), Duration.ofMillis(3000 + 2500));
            TaskStateChanged failed = kafka.awaitOne(
                            Topics.TASKS_LIFECYCLE, isStateChange(suite, "T1", TaskState.FAILED))
                    .payloadAs(TaskStateChanged.class);
            assertThat(failed.failureClass()).isEqualTo(FailureClass.TIMEOUT);
            assertThat(task(suite, "T1").leases())
                    .first()
                    .satisfies(l -> assertThat(l.outcome()).hasToString("TIMEOUT"));

            // the worker kills the tree and acknowledges with the revoked token: counted, nothing changes
            long staleAcks = stats().staleAcks();
            Db.LeaseRow revokedLease = new Db.LeaseRow(leased.leaseId(), suite, "T1", node, leased.fencingToken(), 1);
            kafka.publish(
                    EventType.TASK_RESULT,
                    suite,
                    "T1",
                    "T1",
                    Fixtures.failure(revokedLease, FailureClass.TIMEOUT, "killed", null));
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(stats().staleAcks()).isEqualTo(staleAcks + 1));
            assertThat(task(suite, "T1").attempts())
                    .first()
                    .satisfies(a -> assertThat(a.failureClass()).isEqualTo(FailureClass.TIMEOUT));
            given().post("/tasks/{s}/{t}/cancel", suite, "T1").then().statusCode(200);
        }
    }

    @Test
    void aNewInstanceThatRegisteredOrphansTheOldOnesLeasesAForgedOneIsRefusedAndSilenceMakesANodeDead() {
        String suite = "instance-" + unique();
        String node = "node-" + suite;
        Map<String, String> labels = Map.of("suite", suite, "os", "linux");
        try (FakeWorker worker = new FakeWorker(kafka, db, node)) {
            try (NodeBeater first = new NodeBeater(kafka, node, "instance-1", labels, 2)) {
                NodeView registered = await().atMost(WAIT)
                        .until(() -> node(node), n -> n.isPresent())
                        .orElseThrow();
                assertThat(registered.kind()).isEqualTo("CLUSTER");
                assertThat(registered.labels()).containsEntry("os", "linux");
                assertThat(registered.capacity()).isEqualTo(2);
                assertThat(registered.status()).isEqualTo(NodeStatus.READY);
                kafka.publish(
                        EventType.TASK_READY, suite, "T1", "T1", taskReady(suite, "T1", Map.of("suite", suite), 0));
                await().atMost(WAIT).until(() -> db.openLease(suite, "T1"), Optional::isPresent);
            }
            Db.LeaseRow old = db.openLease(suite, "T1").orElseThrow();
            // another node's credential writes a heartbeat naming this node with an instance nobody registered
            long refused = stats().refusedNodeHeartbeats();
            Fixtures.publishNodeHeartbeat(kafka, node, "intruder", labels, 2);
            await().atMost(WAIT)
                    .untilAsserted(
                            () -> assertThat(stats().refusedNodeHeartbeats()).isEqualTo(refused + 1));
            assertThat(node(node).orElseThrow().instanceId()).isEqualTo("instance-1");
            assertThat(db.openLease(suite, "T1"))
                    .hasValueSatisfying(l -> assertThat(l.id()).isEqualTo(old.id()));
            // the worker process restarted and registered: the new instance does not run the old one's attempt
            Fixtures.registerInstance(node, "instance-2", 2, labels);
            try (NodeBeater second = new NodeBeater(kafka, node, "instance-2", labels, 2)) {
                await().atMost(Duration.ofSeconds(3))
                        .untilAsserted(() -> assertThat(task(suite, "T1").leases())
                                .first()
                                .satisfies(l -> assertThat(l.outcome()).hasToString("ORPHANED")));
                assertThat(node(node).orElseThrow().instanceId()).isEqualTo("instance-2");
                TaskStateChanged requeued = kafka.awaitOne(
                                Topics.TASKS_LIFECYCLE, isStateChange(suite, "T1", TaskState.READY))
                        .payloadAs(TaskStateChanged.class);
                assertThat(requeued.reason()).contains("new instance");
                assertThat(requeued.fencingToken()).isEqualTo(old.fencingToken());
                await().atMost(WAIT)
                        .until(
                                () -> db.openLease(suite, "T1"),
                                l -> l.isPresent() && l.get().attempt() == 2);
            }
            worker.close();
            // the node falls silent: DEAD after three missed intervals, and its lease is orphaned
            await().atMost(THREE_INTERVALS_AND_A_SWEEP).untilAsserted(() -> {
                NodeView dead = node(node).orElseThrow();
                assertThat(dead.status()).isEqualTo(NodeStatus.DEAD);
                assertThat(dead.statusReason()).contains("no node heartbeat");
                assertThat(dead.freeSlots()).isZero();
            });
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(db.openLeasesOfNode(node)).isEmpty();
                assertThat(task(suite, "T1").state()).isEqualTo(TaskState.READY);
            });
            assertThat(stats().nodesDead()).isPositive();
            // a DEAD node cannot be drained; a heartbeat brings it back
            given().post("/nodes/{n}/drain", node).then().statusCode(409).contentType("application/problem+json");
            Fixtures.registerInstance(node, "instance-3", 2, labels);
            Fixtures.publishNodeHeartbeat(kafka, node, "instance-3", labels, 2);
            await().atMost(WAIT)
                    .untilAsserted(
                            () -> assertThat(node(node).orElseThrow().status()).isEqualTo(NodeStatus.READY));
            given().post("/tasks/{s}/{t}/cancel", suite, "T1").then().statusCode(200);
        }
    }

    @Test
    void readyTaskNoNodeCanTakeIsFlaggedWithTheReasonUntilANodeCan() {
        String suite = "unschedulable-" + unique();
        kafka.publish(
                EventType.TASK_READY,
                suite,
                "T1",
                "T1",
                taskReady(suite, "T1", Map.of("gpu", suite), 0, 60, null, 1, List.of()));
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(task(suite, "T1").waitingReason())
                        .contains("schedule-to-start")
                        .contains(suite));
        assertThat(List.of(given().get("/tasks?state=READY&specId=" + suite)
                        .then()
                        .statusCode(200)
                        .extract()
                        .as(TaskView[].class)))
                .singleElement()
                .satisfies(t -> {
                    assertThat(t.waitingReason()).contains("no READY node");
                    assertThat(t.waiting())
                            .singleElement()
                            .isEqualTo(new WaitingReason(
                                    WaitingReason.NO_MATCHING_NODE,
                                    "gpu=" + suite,
                                    t.waiting().get(0).message()));
                });
        String node = "node-" + suite;
        registerNode(node, 1, Map.of("gpu", suite));
        await().atMost(WAIT).until(() -> db.openLease(suite, "T1"), Optional::isPresent);
        assertThat(task(suite, "T1").waitingReason()).isNull();
        given().post("/tasks/{s}/{t}/cancel", suite, "T1").then().statusCode(200);
    }

    @Test
    void sweeperResetsATaskLeftRunningWithoutAnOpenLease() {
        String suite = "sweep-" + unique();
        String node = "node-" + suite;
        registerNode(node, 1, Map.of("suite", suite));
        try (FakeWorker worker = new FakeWorker(kafka, db, node)) {
            kafka.publish(EventType.TASK_READY, suite, "T1", "T1", taskReady(suite, "T1", Map.of("suite", suite), 0));
            Db.LeaseRow lease = await().atMost(WAIT)
                    .until(() -> db.openLease(suite, "T1"), Optional::isPresent)
                    .orElseThrow();
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(task(suite, "T1").state()).isEqualTo(TaskState.RUNNING));
            worker.finish(lease.id());
            // stage what a lost update would leave behind: the lease closed, the task still RUNNING
            db.execute("UPDATE lease SET ended_at = now(), outcome = 'FAILED' WHERE id = ?", lease.id());
            db.execute("UPDATE node SET active_leases = active_leases - 1 WHERE name = ?", node);
            long swept = stats().swept();
            await().atMost(WAIT).untilAsserted(() -> assertThat(stats().swept()).isGreaterThan(swept));
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(task(suite, "T1").attempts())
                            .first()
                            .satisfies(a -> {
                                assertThat(a.failureClass()).isEqualTo(FailureClass.TIMEOUT);
                                assertThat(a.detail()).contains("sweeper");
                                assertThat(a.decision()).isEqualTo("RETRY");
                            }));
            await().atMost(WAIT)
                    .until(
                            () -> db.openLease(suite, "T1"),
                            l -> l.isPresent() && l.get().attempt() == 2);
            given().post("/tasks/{s}/{t}/cancel", suite, "T1").then().statusCode(200);
        }
    }

    @Test
    void taskNoRegisteredNodeOffersToRunBecomesADecisionAfterTheGracePeriod() {
        String suite = "stranded-" + unique();
        // a node that runs codex only, for the requirement the second task names
        String node = "node-" + suite;
        registerNode(node, 1, Map.of("suite", suite), List.of("codex"));
        // and one that runs the profile the second task names, without its requirement
        registerNode(node + "-gemini", 1, Map.of("suite", suite + "-other"), List.of("gemini-" + suite));
        kafka.publish(
                EventType.TASK_READY,
                suite,
                "MAC",
                "MAC",
                taskReady(suite, "MAC", Map.of("os", "macos-" + suite), 0, 60, null, 1, List.of()));
        kafka.publish(
                EventType.TASK_READY,
                suite,
                "PROFILE",
                "PROFILE",
                taskReady(suite, "PROFILE", Map.of("suite", suite), 0, 60, "gemini-" + suite, 1, List.of()));
        // while they wait, each says what no node offers
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(task(suite, "MAC").waiting())
                    .extracting(WaitingReason::code, WaitingReason::subject)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(WaitingReason.NO_MATCHING_NODE, "os=macos-" + suite));
            assertThat(task(suite, "PROFILE").waiting())
                    .extracting(WaitingReason::code, WaitingReason::subject)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(
                            WaitingReason.NO_MATCHING_NODE,
                            // a node runs the profile, but none offers the requirement as well
                            "suite=" + suite + " and profile=gemini-" + suite + " together"));
        });
        Instant readyAt = task(suite, "MAC").readyAt();
        // past the grace period (8 s in the test profile, not the 24 h schedule-to-close): a decision for a person
        for (String id : List.of("MAC", "PROFILE")) {
            TaskStateChanged failed = kafka.awaitOne(
                            Topics.TASKS_LIFECYCLE,
                            isStateChange(suite, id, TaskState.FAILED)
                                    .and(e ->
                                            e.payloadAs(TaskStateChanged.class).permanent()))
                    .payloadAs(TaskStateChanged.class);
            // AMBIGUOUS_SPEC is the class the planner turns into a decision request
            assertThat(failed.failureClass()).isEqualTo(FailureClass.AMBIGUOUS_SPEC);
            assertThat(failed.reason())
                    .startsWith("unplaceable: no registered node offers ")
                    .contains(id.equals("MAC") ? "os=macos-" + suite : "profile=gemini-" + suite + " together");
            TaskView view = task(suite, id);
            assertThat(view.state()).isEqualTo(TaskState.FAILED);
            assertThat(view.permanent()).isTrue();
            assertThat(view.failureDetail()).isEqualTo(failed.reason());
            assertThat(view.waiting()).isEmpty();
        }
        assertThat(Duration.between(readyAt, task(suite, "MAC").updatedAt()))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(8))
                .isLessThan(Duration.ofSeconds(30));
        // the way out: once a node offers it, releasing the task again (what the planner's override does) runs it
        registerNode("mac-" + suite, 1, Map.of("os", "macos-" + suite));
        kafka.publish(
                EventType.TASK_READY,
                suite,
                "MAC",
                "MAC",
                taskReady(suite, "MAC", Map.of("os", "macos-" + suite), 0, 60, null, 1, List.of()));
        await().atMost(WAIT).until(() -> db.openLease(suite, "MAC"), Optional::isPresent);
        given().post("/tasks/{s}/{t}/cancel", suite, "MAC").then().statusCode(200);
    }

    @Test
    void readyTaskBehindAFullNodeSaysTheMatchingNodesAreFull() {
        String suite = "full-" + unique();
        String node = "node-" + suite;
        registerNode(node, 1, Map.of("suite", suite));
        try (FakeWorker worker = new FakeWorker(kafka, db, node)) {
            kafka.publish(EventType.TASK_READY, suite, "T1", "T1", taskReady(suite, "T1", Map.of("suite", suite), 0));
            await().atMost(WAIT).until(() -> db.openLease(suite, "T1"), Optional::isPresent);
            kafka.publish(EventType.TASK_READY, suite, "T2", "T2", taskReady(suite, "T2", Map.of("suite", suite), 0));
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(task(suite, "T2").waiting())
                            .singleElement()
                            .satisfies(w -> {
                                assertThat(w.code()).isEqualTo(WaitingReason.NODES_FULL);
                                assertThat(w.subject()).isEqualTo(node);
                            }));
            assertThat(task(suite, "T2").state()).isEqualTo(TaskState.READY);
            // a full node is no reason to give up on the task
            await().during(Duration.ofSeconds(9))
                    .atMost(Duration.ofSeconds(12))
                    .until(() -> task(suite, "T2").state() == TaskState.READY);
            given().post("/tasks/{s}/{t}/cancel", suite, "T2").then().statusCode(200);
            given().post("/tasks/{s}/{t}/cancel", suite, "T1").then().statusCode(200);
        }
    }

    /**
     * A dispatcher restart after its workers' rows in the database went older than the silence window. Nothing is
     * judged during one window from the start; the node and attempt whose heartbeats arrive within it keep their
     * lease (same token, completed on the first lease); the node that stays silent is DEAD after it. Restarting the
     * application inside a test is impractical (one application serves every test class), so the restart is
     * modelled by {@link SupervisionStart#restart()}; the heartbeats travel the real topic and the leases are read
     * from PostgreSQL.
     */
    @Test
    void afterARestartNothingIsJudgedForOneSilenceWindowAndHeartbeatsWithinItKeepTheLease() {
        String suite = "restart-" + unique();
        String alive = "alive-" + suite;
        String silent = "silent-" + suite;
        Db.LeaseRow aliveLease;
        Db.LeaseRow silentLease;
        try (NodeBeater aliveNode = new NodeBeater(kafka, alive, "alive-1", Map.of("suite", suite + "-a"), 1);
                NodeBeater silentNode = new NodeBeater(kafka, silent, "silent-1", Map.of("suite", suite + "-s"), 1);
                FakeWorker aliveWorker = new FakeWorker(kafka, db, alive);
                FakeWorker silentWorker = new FakeWorker(kafka, db, silent)) {
            await().atMost(WAIT)
                    .until(() -> node(alive).isPresent() && node(silent).isPresent());
            aliveLease = runningLease(suite, "A", suite + "-a");
            silentLease = runningLease(suite, "S", suite + "-s");
        }
        // every heartbeat sent is on the topic: the restart takes its end offsets and waits until they are applied,
        // so nothing refreshes the rows aged below
        Instant startedAt = supervisionStart.restart();
        await().atMost(WAIT).until(() -> supervisionStart.status().heartbeatsBehind() == 0);
        // the state a dispatcher finds after a minute down: every heartbeat older than the window (3 s)
        age(alive, aliveLease);
        age(silent, silentLease);

        // judged at once, both leases were orphaned within a second; during the window nothing is
        await().during(Duration.ofMillis(1500))
                .atMost(SILENCE_WINDOW)
                .until(() -> untouched(alive, aliveLease) && untouched(silent, silentLease));
        assertThat(supervisionStart.status().judging()).isFalse();
        assertThat(given().get("/dispatch").then().statusCode(200).extract().as(DispatchStatus.class))
                .satisfies(status -> assertThat(status.supervision().waitingFor())
                        .startsWith("supervision starts at " + startedAt.plus(SILENCE_WINDOW)));

        // the alive worker's heartbeats arrive within the window, over the topic
        try (NodeBeater aliveNode = new NodeBeater(kafka, alive, "alive-1", Map.of("suite", suite + "-a"), 1);
                FakeWorker aliveWorker = new FakeWorker(kafka, db, alive)) {
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(node(silent).orElseThrow().status()).isEqualTo(NodeStatus.DEAD);
                assertThat(task(suite, "S").leases())
                        .singleElement()
                        .satisfies(l -> assertThat(l.outcome()).hasToString("ORPHANED"));
            });
            // judged only after one full window from the start
            assertThat(supervisionStart.status().startsAt()).isAfterOrEqualTo(startedAt.plus(SILENCE_WINDOW));
            assertThat(task(suite, "S").attempts())
                    .first()
                    .satisfies(a -> assertThat(a.detail()).contains("is DEAD"));
            // the alive one is kept through later passes, on its first lease and token
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(4))
                    .until(() -> untouched(alive, aliveLease));
            kafka.publish(
                    EventType.TASK_RESULT,
                    suite,
                    "A",
                    "A",
                    Fixtures.result(aliveLease, aliveLease.fencingToken(), true));
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(task(suite, "A").state()).isEqualTo(TaskState.SUCCEEDED));
            assertThat(task(suite, "A").leases()).singleElement().satisfies(l -> {
                assertThat(l.fencingToken()).isEqualTo(aliveLease.fencingToken());
                assertThat(l.outcome()).hasToString("SUCCEEDED");
            });
        }
        given().post("/tasks/{s}/{t}/cancel", suite, "S").then().statusCode(200);
    }

    /**
     * The failure seen on a running stack: after a kill -9 the restarted dispatcher's consumer needs time (group
     * rebalance, backlog) before it reads the heartbeats that waited in Kafka. Here the heartbeats channel is paused
     * while the worker keeps heartbeating: the window passes, yet nothing is judged until the backlog is read.
     */
    @Test
    void afterARestartNothingIsJudgedUntilTheHeartbeatsWaitingInKafkaAreRead() {
        String suite = "catch-up-" + unique();
        String node = "node-" + suite;
        PausableChannel heartbeats = channels.getPausable("heartbeats");
        try (NodeBeater beater = new NodeBeater(kafka, node, "instance-1", Map.of("suite", suite), 1);
                FakeWorker worker = new FakeWorker(kafka, db, node)) {
            await().atMost(WAIT).until(() -> node(node).isPresent());
            Db.LeaseRow lease = runningLease(suite, "A", suite);
            heartbeats.pause();
            try {
                // sent while the dispatcher is down: it waits in Kafka
                Fixtures.publishNodeHeartbeat(kafka, node, "instance-1", Map.of("suite", suite), 1);
                supervisionStart.restart();
                age(node, lease);
                assertThat(supervisionStart.status().heartbeatsBehind()).isPositive();

                // the window passes, the backlog is unread: still nothing judged, and the status says why
                await().during(SILENCE_WINDOW.plusSeconds(2))
                        .atMost(SILENCE_WINDOW.plusSeconds(4))
                        .until(() -> untouched(node, lease));
                DispatchStatus status = given().get("/dispatch")
                        .then()
                        .statusCode(200)
                        .extract()
                        .as(DispatchStatus.class);
                assertThat(status.supervision().judging()).isFalse();
                assertThat(status.supervision().heartbeatsBehind()).isPositive();
                assertThat(status.supervision().waitingFor())
                        .contains("catching up with heartbeats")
                        .contains("heartbeats from before the start still to apply");
            } finally {
                heartbeats.resume();
            }
            await().atMost(WAIT).until(() -> supervisionStart.status().judging());
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> untouched(node, lease));
            kafka.publish(EventType.TASK_RESULT, suite, "A", "A", Fixtures.result(lease, lease.fencingToken(), true));
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(task(suite, "A").state()).isEqualTo(TaskState.SUCCEEDED));
            assertThat(task(suite, "A").leases()).hasSize(1);
        }
    }

    private Db.LeaseRow runningLease(String suite, String taskId, String label) {
        kafka.publish(EventType.TASK_READY, suite, taskId, taskId, taskReady(suite, taskId, Map.of("suite", label), 0));
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(task(suite, taskId).state()).isEqualTo(TaskState.RUNNING));
        return db.openLease(suite, taskId).orElseThrow();
    }

    /** Moves a node's and a lease's every time a minute back, as if the dispatcher had been down that long. */
    private void age(String node, Db.LeaseRow lease) {
        db.execute("""
                UPDATE node SET node_heartbeat_at = node_heartbeat_at - interval '1 minute',
                                last_seen_at = last_seen_at - interval '1 minute',
                                registered_at = registered_at - interval '1 minute',
                                instance_started_at = instance_started_at - interval '1 minute'
                WHERE name = ?
                """, node);
        db.execute("""
                UPDATE lease SET leased_at = leased_at - interval '1 minute',
                                 last_heartbeat_at = last_heartbeat_at - interval '1 minute'
                WHERE id = ?
                """, lease.id());
    }

    /** The node is READY and the lease still open with its first token. */
    private boolean untouched(String node, Db.LeaseRow lease) {
        Optional<Db.LeaseRow> open = db.openLease(lease.specId(), lease.taskId());
        return open.isPresent()
                && open.get().fencingToken() == lease.fencingToken()
                && node(node).orElseThrow().status() == NodeStatus.READY;
    }

    static TaskView task(String spec, String task) {
        return given().get("/tasks/{spec}/{task}", spec, task)
                .then()
                .statusCode(200)
                .extract()
                .as(TaskView.class);
    }

    static Optional<NodeView> node(String name) {
        return List.of(given().get("/nodes").then().statusCode(200).extract().as(NodeView[].class)).stream()
                .filter(n -> n.name().equals(name))
                .findFirst();
    }
}
