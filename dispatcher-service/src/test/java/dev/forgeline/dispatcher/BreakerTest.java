package dev.forgeline.dispatcher;

import static dev.forgeline.dispatcher.Fixtures.registerNode;
import static dev.forgeline.dispatcher.Fixtures.taskReady;
import static dev.forgeline.dispatcher.Fixtures.unique;
import static dev.forgeline.dispatcher.SupervisionTest.task;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jakarta.inject.Inject;

import dev.forgeline.contracts.BreakerState;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.BreakerChanged;
import dev.forgeline.contracts.payload.BudgetAlert;
import dev.forgeline.dispatcher.gate.GateService;
import dev.forgeline.dispatcher.lease.LeaseOutcomeService;
import dev.forgeline.dispatcher.model.BreakerView;
import dev.forgeline.dispatcher.model.WaitingReason;
import dev.forgeline.dispatcher.task.TaskControlService;
import dev.forgeline.support.audit.AuditTrail;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/** Node and profile breakers open on failures, let one probe through after the cool-down, and close on success. */
@QuarkusTest
@TestProfile(BreakerTest.PatientSupervision.class)
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class BreakerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    static final Duration COOL_DOWN = Duration.ofSeconds(10);

    /**
     * The breakers must open on the failures the test reports, not on leases the supervisor orphans because a loaded
     * machine delayed their heartbeats (an orphan blames the node only, so the profile's breaker would miss its
     * window); and a breaker must stay OPEN long enough to be seen OPEN.
     */
    public static class PatientSupervision implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "forgeline.dispatcher.heartbeat-interval",
                    "5s",
                    "forgeline.dispatcher.breaker.cool-down",
                    COOL_DOWN.toSeconds() + "s");
        }
    }

    private static final int TASKS = 30;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    LeaseOutcomeService leaseOutcomes;

    @Inject
    GateService gates;

    @Inject
    TaskControlService control;

    @Test
    void breakersOpenHalfOpenAndClose() {
        Db db = new Db(dataSource);
        String suite = "breaker-" + unique();
        String node = "node-" + suite;
        String profile = "profile-" + suite;
        registerNode(node, 30, Map.of("suite", suite), List.of(profile));
        try (TestKafka kafka = TestKafka.forApplication();
                FakeWorker worker = new FakeWorker(kafka, db, node)) {
            for (int i = 1; i <= TASKS; i++) {
                kafka.publish(
                        EventType.TASK_READY,
                        suite,
                        "T" + i,
                        "T" + i,
                        taskReady(suite, "T" + i, Map.of("suite", suite), 0, 60, profile, 1, List.of()));
            }
            await().atMost(WAIT).until(() -> db.openLeasesOfSpec(suite).size() == TASKS);
            // hold the spec while its attempts fail, so retries wait
            gates.applyBudgetAlert(
                    new BudgetAlert("SPEC", suite, null, 100, BigDecimal.TEN, BigDecimal.TEN, Instant.now()));
            // every attempt fails: the agent crashes. A loaded machine may see the supervisor orphan some first: that
            // blames the node only, so there are more tasks than the profile's window of 20 needs
            for (Db.LeaseRow lease : db.openLeasesOfSpec(suite)) {
                leaseOutcomes.applyResult(Fixtures.failure(lease, FailureClass.AGENT_ERROR, "agent crashed", null));
            }
            BreakerView nodeOpen = await().atMost(WAIT)
                    .until(
                            () -> breaker("NODE", node),
                            b -> b.isPresent() && b.get().state() == BreakerState.OPEN)
                    .orElseThrow();
            // a held task says why it waits: the budget and the breakers, each named
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(task(suite, "T1").waitingReason())
                        .contains("budget of spec " + suite)
                        .contains("breaker " + profile + " is ");
                assertThat(task(suite, "T1").waiting())
                        .extracting(WaitingReason::code, WaitingReason::subject)
                        .contains(
                                tuple(WaitingReason.BUDGET_HOLD, "BUDGET_SPEC:" + suite),
                                tuple(WaitingReason.BREAKER_OPEN, "PROFILE/" + profile),
                                tuple(WaitingReason.BREAKER_OPEN, "NODE/" + node));
            });
            kafka.awaitOne(
                    Topics.FLEET_EVENTS,
                    e -> e.eventType() == EventType.BREAKER_CHANGED
                            && e.payloadAs(BreakerChanged.class).key().equals(profile)
                            && e.payloadAs(BreakerChanged.class).to() == BreakerState.OPEN);
            assertThat(nodeOpen.failures()).isEqualTo(20);
            assertThat(nodeOpen.attempts()).isEqualTo(20);
            assertThat(nodeOpen.reason()).contains("20 of the last 20");
            assertThat(nodeOpen.halfOpensAt()).isAfter(nodeOpen.changedAt());
            BreakerChanged opened = kafka.awaitOne(
                            Topics.FLEET_EVENTS,
                            e -> e.eventType() == EventType.BREAKER_CHANGED
                                    && e.payloadAs(BreakerChanged.class).key().equals(node)
                                    && e.payloadAs(BreakerChanged.class).to() == BreakerState.OPEN)
                    .payloadAs(BreakerChanged.class);
            assertThat(opened.scope()).isEqualTo("NODE");
            assertThat(opened.from()).isEqualTo(BreakerState.CLOSED);

            // the budget hold lifts; the open breakers keep the retries off the node and the profile
            db.execute("DELETE FROM dispatch_gate WHERE name = ?", "BUDGET_SPEC:" + suite);

            // after the cool-down: half-open, and exactly one probe lease goes out
            BreakerChanged halfOpen = kafka.awaitOne(
                            Topics.FLEET_EVENTS,
                            e -> e.eventType() == EventType.BREAKER_CHANGED
                                    && e.payloadAs(BreakerChanged.class).key().equals(node)
                                    && e.payloadAs(BreakerChanged.class).to() == BreakerState.HALF_OPEN)
                    .payloadAs(BreakerChanged.class);
            assertThat(Duration.between(opened.at(), halfOpen.at())).isGreaterThanOrEqualTo(COOL_DOWN);
            assertThat(db.leasesOfNodeBetween(node, opened.at(), halfOpen.at())).isZero();
            await().atMost(WAIT).until(() -> db.openLeasesOfSpec(suite).size() == 1);
            await().during(Duration.ofMillis(1500))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> db.openLeasesOfSpec(suite).size() == 1);
            Db.LeaseRow probe = db.openLeasesOfSpec(suite).get(0);
            assertThat(breaker("NODE", node).orElseThrow().probeLeaseId()).isEqualTo(probe.id());
            assertThat(breaker("PROFILE", profile).orElseThrow().probeLeaseId()).isEqualTo(probe.id());

            // the probe succeeds: both close, and dispatch to them resumes
            worker.finish(probe.id());
            assertThat(leaseOutcomes.applyResult(Fixtures.result(probe, probe.fencingToken(), true)))
                    .isTrue();
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(breaker("NODE", node).orElseThrow().state()).isEqualTo(BreakerState.CLOSED);
                assertThat(breaker("PROFILE", profile).orElseThrow().state()).isEqualTo(BreakerState.CLOSED);
            });
            kafka.awaitOne(
                    Topics.FLEET_EVENTS,
                    e -> e.eventType() == EventType.BREAKER_CHANGED
                            && e.payloadAs(BreakerChanged.class).key().equals(profile)
                            && e.payloadAs(BreakerChanged.class).to() == BreakerState.CLOSED);
            await().atMost(WAIT).until(() -> db.openLeasesOfSpec(suite).size() > 1);
        } finally {
            for (int i = 1; i <= TASKS; i++) {
                String id = "T" + i;
                if (!List.of("SUCCEEDED", "FAILED", "CANCELLED")
                        .contains(task(suite, id).state().name())) {
                    control.cancel(suite, id, "test over");
                }
            }
        }
    }

    @Test
    void oneBadSpecOnTheOnlyNodeOpensNoBreakerAndOtherWorkGoesOn() {
        Db db = new Db(dataSource);
        String suite = "bad-spec-" + unique();
        String node = "node-" + suite;
        String profile = "profile-" + suite;
        registerNode(node, 12, Map.of("suite", suite), List.of(profile));
        try (TestKafka kafka = TestKafka.forApplication();
                FakeWorker worker = new FakeWorker(kafka, db, node)) {
            // twelve tasks of one bad spec fail on the only node, every attempt, with classes that point at the task
            // (tests it cannot pass, context exhausted) - and one task crashes its agent again and again
            List<String> ids = new java.util.ArrayList<>();
            for (int i = 1; i <= 12; i++) {
                ids.add("B" + i);
                kafka.publish(
                        EventType.TASK_READY,
                        suite,
                        "B" + i,
                        "B" + i,
                        taskReady(suite, "B" + i, Map.of("suite", suite), 0, 60, profile, 1, List.of()));
            }
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(ids)
                            .allSatisfy(
                                    id -> assertThat(task(suite, id).state()).isNotEqualTo(TaskState.READY)));
            int failed = 0;
            while (ids.stream().anyMatch(id -> task(suite, id).state() != TaskState.FAILED)) {
                for (Db.LeaseRow lease : db.openLeasesOfSpec(suite)) {
                    FailureClass failureClass = lease.taskId().equals("B1")
                            ? FailureClass.AGENT_ERROR
                            : Integer.parseInt(lease.taskId().substring(1)) % 2 == 0
                                    ? FailureClass.TEST_FAILURE
                                    : FailureClass.CONTEXT_EXHAUSTED;
                    worker.finish(lease.id());
                    if (leaseOutcomes.applyResult(Fixtures.failure(lease, failureClass, "bad spec", "FAILED"))) {
                        failed++;
                    }
                }
                await().atMost(WAIT)
                        .until(() -> !db.openLeasesOfSpec(suite).isEmpty()
                                || ids.stream().allMatch(id -> task(suite, id).state() == TaskState.FAILED));
            }
            // well over the 20 attempts a window needs, all failed
            assertThat(failed).isGreaterThanOrEqualTo(20);
            // neither the node nor the profile is blamed: their breakers stay closed
            await().during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> breaker("NODE", node)
                                    .map(b -> b.state() == BreakerState.CLOSED)
                                    .orElse(true)
                            && breaker("PROFILE", profile)
                                    .map(b -> b.state() == BreakerState.CLOSED)
                                    .orElse(true));
            // and other work runs on the node at once
            String good = suite + "-good";
            kafka.publish(
                    EventType.TASK_READY,
                    good,
                    "G1",
                    "G1",
                    taskReady(good, "G1", Map.of("suite", suite), 0, 60, profile, 1, List.of()));
            await().atMost(WAIT).until(() -> db.openLease(good, "G1"), Optional::isPresent);
            control.cancel(good, "G1", "test over");
        }
    }

    /**
     * The stall the field replay found: a HALF_OPEN node breaker whose probe ended with a class that says nothing
     * about the node kept its probe slot for ever. Now another probe goes, and an operator can close it by hand.
     */
    @Test
    void aProbeEndingWithoutAVerdictFreesTheProbeSlotAndAnOperatorClosesTheBreaker() {
        Db db = new Db(dataSource);
        String suite = "probe-" + unique();
        String node = "node-" + suite;
        registerNode(node, 3, Map.of("suite", suite));
        // a node breaker past its cool-down with an empty window, as the evaluator leaves it when it half-opens
        db.execute("""
                INSERT INTO breaker (scope, key, state, failures, attempts, reason, changed_at, since_attempt)
                VALUES ('NODE', ?, 'HALF_OPEN', 20, 20, 'cool-down over', now(),
                        (SELECT coalesce(max(id), 0) FROM task_attempt))
                """, node);
        List<String> ids = List.of("P1", "P2", "P3");
        try (TestKafka kafka = TestKafka.forApplication();
                FakeWorker worker = new FakeWorker(kafka, db, node)) {
            for (String id : ids) {
                kafka.publish(EventType.TASK_READY, suite, id, id, taskReady(suite, id, Map.of("suite", suite), 0));
            }
            // one probe at a time on the three free slots
            await().atMost(WAIT).until(() -> db.openLeasesOfSpec(suite).size() == 1);
            await().during(Duration.ofMillis(1500))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> db.openLeasesOfSpec(suite).size() == 1);
            Db.LeaseRow probe = db.openLeasesOfSpec(suite).get(0);
            assertThat(breaker("NODE", node).orElseThrow().probeLeaseId()).isEqualTo(probe.id());

            // the probe's task fails its own tests: no verdict on the node, so the slot frees and a second probe goes
            worker.finish(probe.id());
            assertThat(leaseOutcomes.applyResult(
                            Fixtures.failure(probe, FailureClass.TEST_FAILURE, "tests failed", "FAILED")))
                    .isTrue();
            Db.LeaseRow second = await().atMost(WAIT)
                    .until(
                            () -> db.openLeasesOfSpec(suite),
                            open -> open.size() == 1 && !open.get(0).id().equals(probe.id()))
                    .get(0);
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(breaker("NODE", node).orElseThrow())
                            .satisfies(b -> {
                                assertThat(b.state()).isEqualTo(BreakerState.HALF_OPEN);
                                assertThat(b.probeLeaseId()).isEqualTo(second.id());
                            }));
            await().during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> db.openLeasesOfSpec(suite).size() == 1);

            // the operator has fixed the node and closes the breaker: the other tasks go at once
            BreakerView closed = given().header(AuditTrail.REASON_HEADER, "disk replaced")
                    .post("/breakers/node/{key}/close", node)
                    .then()
                    .statusCode(200)
                    .extract()
                    .as(BreakerView.class);
            assertThat(closed.state()).isEqualTo(BreakerState.CLOSED);
            assertThat(closed.reason()).isEqualTo("closed by an operator: disk replaced");
            BreakerChanged change = kafka.awaitOne(
                            Topics.FLEET_EVENTS,
                            e -> e.eventType() == EventType.BREAKER_CHANGED
                                    && e.payloadAs(BreakerChanged.class).key().equals(node)
                                    && e.payloadAs(BreakerChanged.class).to() == BreakerState.CLOSED)
                    .payloadAs(BreakerChanged.class);
            assertThat(change.from()).isEqualTo(BreakerState.HALF_OPEN);
            await().atMost(WAIT).until(() -> db.openLeasesOfSpec(suite).size() >= 2);
            given().queryParam("target", "NODE/" + node)
                    .get("/audit")
                    .then()
                    .statusCode(200)
                    .body("", hasSize(1))
                    .body("[0].action", equalTo("breaker.close"))
                    .body("[0].reason", equalTo("disk replaced"));
            // closing a closed breaker changes nothing
            given().post("/breakers/NODE/{key}/close", node)
                    .then()
                    .statusCode(200)
                    .body("state", equalTo("CLOSED"))
                    .body("reason", equalTo("closed by an operator: disk replaced"));
        } finally {
            for (String id : ids) {
                if (!List.of("SUCCEEDED", "FAILED", "CANCELLED")
                        .contains(task(suite, id).state().name())) {
                    control.cancel(suite, id, "test over");
                }
            }
        }
    }

    static Optional<BreakerView> breaker(String scope, String key) {
        return List.of(given().get("/breakers").then().statusCode(200).extract().as(BreakerView[].class)).stream()
                .filter(b -> b.scope().equals(scope) && b.key().equals(key))
                .findFirst();
    }
}
