package dev.forgeline.dispatcher;

import static dev.forgeline.dispatcher.Fixtures.registerNode;
import static dev.forgeline.dispatcher.Fixtures.taskReady;
import static dev.forgeline.dispatcher.Fixtures.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jakarta.inject.Inject;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.dispatcher.dispatch.DispatchService;
import dev.forgeline.dispatcher.lease.LeaseOutcomeService;
import dev.forgeline.dispatcher.model.NodeView;
import dev.forgeline.dispatcher.model.TaskView;
import dev.forgeline.dispatcher.task.TaskIntakeService;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Node capacity is never exceeded and no task is leased twice, also under many concurrent dispatch rounds. */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class DispatchCapacityTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    AgroalDataSource dataSource;

    @Inject
    DispatchService dispatchService;

    @Inject
    LeaseOutcomeService leaseOutcomes;

    @Inject
    TaskIntakeService intake;

    @Test
    void nodeTakesNoMoreLeasesThanItsCapacityAndAFreedSlotIsReused() {
        Db db = new Db(dataSource);
        String suite = "capacity-" + unique();
        String spec = suite;
        String node = "node-" + suite;
        registerNode(node, 2, Map.of("suite", suite));
        try (TestKafka kafka = TestKafka.forApplication();
                FakeWorker worker = new FakeWorker(kafka, db, node)) {
            for (int i = 1; i <= 5; i++) {
                kafka.publish(
                        EventType.TASK_READY,
                        spec,
                        "T" + i,
                        "T" + i,
                        taskReady(spec, "T" + i, Map.of("suite", suite), 0));
            }
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(db.openLeasesOfNode(node)).hasSize(2);
                assertThat(db.countTasks(spec, "READY")).isEqualTo(3);
            });
            NodeView full = node(node);
            assertThat(full.activeLeases()).isEqualTo(2);
            assertThat(full.freeSlots()).isZero();
            assertThat(given().get("/tasks?state=READY&specId=" + spec)
                            .then()
                            .statusCode(200)
                            .extract()
                            .as(TaskView[].class))
                    .hasSize(3);
            assertThat(given().get("/tasks?specId=" + spec)
                            .then()
                            .statusCode(200)
                            .extract()
                            .as(TaskView[].class))
                    .extracting(TaskView::taskId)
                    .containsExactlyInAnyOrder("T1", "T2", "T3", "T4", "T5");
            assertThat(given().get("/tasks?limit=2")
                            .then()
                            .statusCode(200)
                            .extract()
                            .as(TaskView[].class))
                    .hasSize(2);

            Db.LeaseRow done = db.openLeasesOfNode(node).get(0);
            worker.finish(done.id());
            kafka.publish(
                    EventType.TASK_RESULT,
                    spec,
                    done.taskId(),
                    done.taskId(),
                    Fixtures.result(done, done.fencingToken(), true));

            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(db.countTasks(spec, "SUCCEEDED")).isEqualTo(1);
                assertThat(db.distinctLeasedTasks(spec)).isEqualTo(3);
                assertThat(db.openLeasesOfNode(node)).hasSize(2);
                assertThat(db.countTasks(spec, "READY")).isEqualTo(2);
            });
            assertThat(db.countLeases(spec)).isEqualTo(3);
            assertThat(db.maxConcurrentLeases(node)).isEqualTo(2);
            assertThat(node(node).activeLeases()).isEqualTo(2);
        }
    }

    @Test
    void concurrentRoundsNeverOverbookANodeNorLeaseATaskTwice() throws Exception {
        Db db = new Db(dataSource);
        String suite = "concurrency-" + unique();
        String spec = suite;
        String prefix = "conc-" + unique() + "-";
        // only these nodes carry the suite label, so no other test's node takes these tasks
        registerNode(prefix + "a", 1, Map.of("suite", suite));
        registerNode(prefix + "b", 2, Map.of("suite", suite));
        registerNode(prefix + "c", 3, Map.of("suite", suite));
        for (int i = 1; i <= 50; i++) {
            intake.accept(spec, "T" + i, taskReady(spec, "T" + i, Map.of("suite", suite), i % 3));
        }

        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicInteger rounds = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> dispatchers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                dispatchers.add(pool.submit(() -> {
                    start.await();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                    while (db.countFinishedTasks(spec) < 50 && System.nanoTime() < deadline) {
                        dispatchService.dispatchRound();
                        rounds.incrementAndGet();
                        // what the other threads' rounds and completions left behind, seen between them
                        db.overbookedNodes(prefix).forEach(load -> violations.add("overbooked: " + load));
                        if (db.tasksWithTwoOpenLeases(spec) > 0) {
                            violations.add("a task with two open leases");
                        }
                        // complete one open lease, as a worker's result would, so slots free up between rounds
                        List<Db.LeaseRow> open = db.openLeasesOfSpec(spec);
                        if (!open.isEmpty()) {
                            Db.LeaseRow lease =
                                    open.get(ThreadLocalRandom.current().nextInt(open.size()));
                            if (leaseOutcomes.applyResult(Fixtures.result(lease, lease.fencingToken(), true))) {
                                completed.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> dispatcher : dispatchers) {
                dispatcher.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(violations).isEmpty();
        assertThat(rounds.get()).isGreaterThanOrEqualTo(50);
        assertThat(db.countFinishedTasks(spec)).isEqualTo(50);
        assertThat(completed.get()).isEqualTo(db.countTasks(spec, "SUCCEEDED")).isPositive();
        assertThat(db.countLeases(spec)).isGreaterThanOrEqualTo(50);
        // the whole lease history: never more open leases than capacity, never two leases of one task at once
        assertThat(db.maxConcurrentLeases(prefix + "a")).isEqualTo(1);
        assertThat(db.maxConcurrentLeases(prefix + "b")).isBetween(1, 2);
        assertThat(db.maxConcurrentLeases(prefix + "c")).isBetween(1, 3);
        assertThat(db.tasksWithOverlappingLeases(spec)).isZero();
        // counters agree with the leases
        assertThat(db.loads(prefix)).hasSize(3).allSatisfy(load -> {
            assertThat(load.activeLeases()).isEqualTo(load.openLeases());
            assertThat(load.openLeases()).isZero();
        });
        TaskView sample = given().get("/tasks/{spec}/T1", spec)
                .then()
                .statusCode(200)
                .extract()
                .as(TaskView.class);
        assertThat(sample.state()).isIn(TaskState.SUCCEEDED, TaskState.FAILED);
        assertThat(sample.leases()).isNotEmpty();
    }

    private static NodeView node(String name) {
        return List.of(given().get("/nodes").then().statusCode(200).extract().as(NodeView[].class)).stream()
                .filter(n -> n.name().equals(name))
                .findFirst()
                .orElseThrow();
    }
}
