package dev.forgeline.dispatcher;

import static dev.forgeline.dispatcher.BreakerTest.breaker;
import static dev.forgeline.dispatcher.Fixtures.registerNode;
import static dev.forgeline.dispatcher.Fixtures.taskReady;
import static dev.forgeline.dispatcher.Fixtures.unique;
import static dev.forgeline.dispatcher.SupervisionTest.task;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
import dev.forgeline.dispatcher.model.DispatchStatus;
import dev.forgeline.dispatcher.model.WaitingReason;
import dev.forgeline.dispatcher.task.TaskControlService;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/**
 * The fleet (global) breaker, in the running application: the shared test profile switches it off (the other tests
 * fail attempts on purpose), this profile switches it on with a window of 10 attempts.
 */
@QuarkusTest
@TestProfile(FleetBreakerTest.FleetBreakerOn.class)
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class FleetBreakerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    static final Duration COOL_DOWN = Duration.ofSeconds(10);

    /** The fleet breaker opens when 80% of the fleet's last 10 breaker-relevant attempts failed. */
    public static class FleetBreakerOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "forgeline.dispatcher.breaker.global-min-attempts", "10",
                    "forgeline.dispatcher.breaker.global-failure-ratio", "0.8",
                    // long enough for a task published after the opening to be seen held by it on a loaded machine
                    "forgeline.dispatcher.breaker.cool-down", COOL_DOWN.toSeconds() + "s");
        }
    }

    @Inject
    AgroalDataSource dataSource;

    @Inject
    LeaseOutcomeService leaseOutcomes;

    @Inject
    GateService gates;

    @Inject
    TaskControlService control;

    @Test
    void fleetBreakerOpensOnFailuresAcrossTheFleetHoldsAllDispatchAndClosesOnAProbe() {
        Db db = new Db(dataSource);
        // the window starts now: attempts other test classes failed in the same database do not count
        db.execute("""
                INSERT INTO breaker (scope, key, state, since_attempt)
                VALUES ('GLOBAL', 'fleet', 'CLOSED', (SELECT coalesce(max(id), 0) FROM task_attempt))
                ON CONFLICT (scope, key) DO UPDATE
                SET state = 'CLOSED', since_attempt = EXCLUDED.since_attempt, probe_lease_id = NULL
                """);
        String suite = "fleet-" + unique();
        String other = suite + "-other";
        String node = "node-" + suite;
        registerNode(node, 10, Map.of("suite", suite));
        try (TestKafka kafka = TestKafka.forApplication();
                FakeWorker worker = new FakeWorker(kafka, db, node)) {
            for (int i = 1; i <= 10; i++) {
                kafka.publish(
                        EventType.TASK_READY,
                        suite,
                        "T" + i,
                        "T" + i,
                        taskReady(suite, "T" + i, Map.of("suite", suite), 0, 60, null, 1, List.of()));
            }
            await().atMost(WAIT).until(() -> db.openLeasesOfSpec(suite).size() == 10);
            // hold the spec while its attempts fail, so its retries wait
            gates.applyBudgetAlert(
                    new BudgetAlert("SPEC", suite, null, 100, BigDecimal.TEN, BigDecimal.TEN, Instant.now()));
            for (Db.LeaseRow lease : db.openLeasesOfSpec(suite)) {
                worker.finish(lease.id());
                leaseOutcomes.applyResult(Fixtures.failure(lease, FailureClass.NETWORK, "unreachable", null));
            }
            BreakerChanged opened = kafka.awaitOne(
                            Topics.FLEET_EVENTS,
                            e -> e.eventType() == EventType.BREAKER_CHANGED
                                    && e.payloadAs(BreakerChanged.class).scope().equals("GLOBAL")
                                    && e.payloadAs(BreakerChanged.class).to() == BreakerState.OPEN)
                    .payloadAs(BreakerChanged.class);
            assertThat(opened.key()).isEqualTo("fleet");
            assertThat(opened.reason()).contains("10 of the last 10");
            // ten attempts are not enough for the node's own breaker (20): only the fleet's opened
            assertThat(breaker("NODE", node).map(b -> b.state()).orElse(BreakerState.CLOSED))
                    .isEqualTo(BreakerState.CLOSED);
            DispatchStatus status =
                    given().get("/dispatch").then().statusCode(200).extract().as(DispatchStatus.class);
            assertThat(status.paused()).isTrue();
            assertThat(status.reasons()).anySatisfy(r -> assertThat(r).contains("global breaker OPEN"));

            // the breaker holds all work, and every held task names it
            kafka.publish(
                    EventType.TASK_READY,
                    other,
                    "O1",
                    "O1",
                    taskReady(other, "O1", Map.of("suite", suite), 0, 60, null, 1, List.of()));
            db.execute("DELETE FROM dispatch_gate WHERE name = ?", "BUDGET_SPEC:" + suite);
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(task(other, "O1").waiting())
                            .extracting(WaitingReason::code, WaitingReason::subject)
                            .contains(org.assertj.core.groups.Tuple.tuple(WaitingReason.BREAKER_OPEN, "GLOBAL/fleet")));
            BreakerChanged halfOpen = kafka.awaitOne(
                            Topics.FLEET_EVENTS,
                            e -> e.eventType() == EventType.BREAKER_CHANGED
                                    && e.payloadAs(BreakerChanged.class).scope().equals("GLOBAL")
                                    && e.payloadAs(BreakerChanged.class).to() == BreakerState.HALF_OPEN)
                    .payloadAs(BreakerChanged.class);
            assertThat(Duration.between(opened.at(), halfOpen.at())).isGreaterThanOrEqualTo(COOL_DOWN);
            assertThat(db.leasesOfNodeBetween(node, opened.at(), halfOpen.at())).isZero();

            // half-open: exactly one probe lease in the whole fleet
            await().atMost(WAIT).until(() -> db.openLeasesOfNode(node).size() == 1);
            await().during(Duration.ofMillis(1500))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> db.openLeasesOfNode(node).size() == 1);
            Db.LeaseRow probe = db.openLeasesOfNode(node).get(0);
            assertThat(breaker("GLOBAL", "fleet").orElseThrow().probeLeaseId()).isEqualTo(probe.id());
            worker.finish(probe.id());
            assertThat(leaseOutcomes.applyResult(Fixtures.result(probe, probe.fencingToken(), true)))
                    .isTrue();
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(
                                    breaker("GLOBAL", "fleet").orElseThrow().state())
                            .isEqualTo(BreakerState.CLOSED));
            // dispatch resumes for everyone
            await().atMost(WAIT).until(() -> db.openLeasesOfNode(node).size() >= 2);
        } finally {
            cancelIfOpen(other, "O1");
            for (int i = 1; i <= 10; i++) {
                cancelIfOpen(suite, "T" + i);
            }
            // leave the fleet breaker closed for the classes that run after this one
            db.execute("UPDATE breaker SET state = 'CLOSED', probe_lease_id = NULL WHERE scope = 'GLOBAL'");
        }
    }

    private void cancelIfOpen(String spec, String id) {
        TaskState state = given().get("/tasks/{s}/{t}", spec, id).statusCode() == 200
                ? task(spec, id).state()
                : null;
        if (state == TaskState.READY || state == TaskState.LEASED || state == TaskState.RUNNING) {
            control.cancel(spec, id, "test over");
        }
    }
}
