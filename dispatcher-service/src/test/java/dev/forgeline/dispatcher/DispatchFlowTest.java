package dev.forgeline.dispatcher;

import static dev.forgeline.dispatcher.Fixtures.registerNode;
import static dev.forgeline.dispatcher.Fixtures.stats;
import static dev.forgeline.dispatcher.Fixtures.taskReady;
import static dev.forgeline.dispatcher.Fixtures.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import jakarta.inject.Inject;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.LeaseRevoked;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.dispatcher.model.LeaseFeedPage;
import dev.forgeline.dispatcher.model.NodeView;
import dev.forgeline.dispatcher.model.TaskView;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The lease life cycle over the real broker: TaskReady in, leases, heartbeats and results, orphans. */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class DispatchFlowTest {
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
    void leaseHeartbeatAndResultFollowTheFencingToken() {
        String suite = "lifecycle-" + unique();
        String spec = suite;
        String node = "node-" + suite;
        registerNode(node, 2, Map.of("suite", suite));
        String traceId = UUID.randomUUID().toString().replace("-", "");
        kafka.publish(
                Topics.TASKS_READY,
                "T1",
                Envelope.of(
                        EventType.TASK_READY,
                        spec,
                        "T1",
                        taskReady(spec, "T1", Map.of("suite", suite), 5).withSubmittedBy("ana"),
                        Map.of("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")));

        // read the lease from the table and heartbeat at once: the test profile orphans a lease after 3 s of silence
        Db.LeaseRow lease = await().atMost(WAIT)
                .until(() -> db.openLease(spec, "T1"), java.util.Optional::isPresent)
                .orElseThrow();
        Fixtures.publishHeartbeat(kafka, lease, lease.fencingToken());

        Envelope leasedEvent = kafka.awaitOne(Topics.TASKS_LEASED, isEvent(EventType.TASK_LEASED, spec, "T1"));
        // the lease continues the trace the TaskReady arrived with
        assertThat(leasedEvent.traceContext().get("traceparent")).contains(traceId);
        TaskLeased leased = leasedEvent.payloadAs(TaskLeased.class);
        assertThat(leased.nodeName()).isEqualTo(node);
        assertThat(leased.fencingToken()).isPositive().isEqualTo(lease.fencingToken());
        assertThat(leased.leaseId()).isEqualTo(lease.id());
        assertThat(leased.attempt()).isEqualTo(1);
        assertThat(leased.heartbeatInterval()).isEqualTo(1);
        assertThat(leased.deadline()).isAfterOrEqualTo(leased.leasedAt().plusSeconds(90)); // 1.5 x 60 s estimate
        assertThat(leased.task().taskId()).isEqualTo("T1");
        assertThat(leased.task().requires()).containsEntry("suite", suite);
        // the spec's submitter travels on to the worker, which puts it on the result the review service reads
        assertThat(leased.task().submittedBy()).isEqualTo("ana");
        // story, requirement and phase labels are metadata: the node offers none of them and still gets the task
        assertThat(leased.task().labels()).containsEntry("story", "US1");
        assertThat(SupervisionTest.node(node).orElseThrow().labels()).doesNotContainKey("story");
        TaskView shown = task(spec, "T1");
        assertThat(shown.labels()).containsEntry("story", "US1").containsEntry("phase", "build");
        assertThat(shown.requires()).containsExactly(Map.entry("suite", suite));
        TaskStateChanged leasedChange = kafka.awaitOne(
                        Topics.TASKS_LIFECYCLE, isStateChange(spec, "T1", TaskState.LEASED))
                .payloadAs(TaskStateChanged.class);
        assertThat(leasedChange.fencingToken()).isEqualTo(lease.fencingToken());
        assertThat(leasedChange.nodeName()).isEqualTo(node);

        // the heartbeat with the right token starts the attempt
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(task(spec, "T1").state()).isEqualTo(TaskState.RUNNING));
        TaskStateChanged running = kafka.awaitOne(Topics.TASKS_LIFECYCLE, isStateChange(spec, "T1", TaskState.RUNNING))
                .payloadAs(TaskStateChanged.class);
        assertThat(running.fencingToken()).isEqualTo(lease.fencingToken());

        try (FakeWorker worker = new FakeWorker(kafka, db, node)) {
            // a heartbeat with another token is stale: counted, nothing else changes
            long staleHeartbeats = stats().staleHeartbeats();
            Fixtures.publishHeartbeat(kafka, lease, lease.fencingToken() + 1_000_000);
            // the counter is the dispatcher's: a loaded machine may deliver earlier tests' heartbeats late, stale too
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(stats().staleHeartbeats()).isGreaterThan(staleHeartbeats));
            TaskView afterStaleHeartbeat = task(spec, "T1");
            assertThat(afterStaleHeartbeat.state()).isEqualTo(TaskState.RUNNING);
            assertThat(afterStaleHeartbeat.fencingToken()).isEqualTo(lease.fencingToken());

            // a result with a stale token (a zombie's) completes nothing
            long staleResults = stats().staleResults();
            kafka.publish(
                    EventType.TASK_RESULT,
                    spec,
                    "T1",
                    "T1",
                    Fixtures.result(lease, lease.fencingToken() + 1_000_000, true));
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(stats().staleResults()).isEqualTo(staleResults + 1));
            TaskView afterStaleResult = task(spec, "T1");
            assertThat(afterStaleResult.state()).isEqualTo(TaskState.RUNNING);
            assertThat(afterStaleResult.leases())
                    .singleElement()
                    .satisfies(l -> assertThat(l.endedAt()).isNull());

            // the result with the current token completes the task and frees the slot
            worker.finish(lease.id());
            Envelope result = kafka.publish(
                    EventType.TASK_RESULT, spec, "T1", "T1", Fixtures.result(lease, lease.fencingToken(), true));
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(task(spec, "T1").state()).isEqualTo(TaskState.SUCCEEDED));
            kafka.awaitOne(Topics.TASKS_LIFECYCLE, isStateChange(spec, "T1", TaskState.SUCCEEDED));

            // the same envelope again (a redelivery), then a stale marker behind it on the same partition (key T1)
            kafka.publish(Topics.TASKS_RESULTS, "T1", result);
            kafka.publish(
                    EventType.TASK_RESULT,
                    spec,
                    "T1",
                    "T1",
                    Fixtures.result(lease, lease.fencingToken() + 2_000_000, true));
            // the marker counts as stale; the redelivery before it was dropped by the inbox, not counted as stale
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(stats().staleResults()).isEqualTo(staleResults + 2));
            await().atMost(WAIT).until(() -> db.outboxRows(spec + "/T1") == 0);
            List<Envelope> succeeded = TopicSnapshot.read(Topics.TASKS_LIFECYCLE).stream()
                    .filter(isStateChange(spec, "T1", TaskState.SUCCEEDED))
                    .toList();
            assertThat(succeeded).hasSize(1);

            TaskView done = task(spec, "T1");
            assertThat(done.leases()).singleElement().satisfies(l -> {
                assertThat(l.fencingToken()).isEqualTo(lease.fencingToken());
                assertThat(l.nodeName()).isEqualTo(node);
                assertThat(l.attempt()).isEqualTo(1);
                assertThat(l.endedAt()).isNotNull();
                assertThat(l.outcome()).hasToString("SUCCEEDED");
            });
            NodeView nodeView = node(node);
            assertThat(nodeView.activeLeases()).isZero();
            assertThat(nodeView.freeSlots()).isEqualTo(2);
            assertThat(db.openLeasesOfNode(node)).isEmpty();
        }
    }

    @Test
    void silentLeaseIsOrphanedAndLeasedAgainWithAHigherToken() {
        String suite = "orphan-" + unique();
        String spec = suite;
        String node = "node-" + suite;
        long orphanedBefore = stats().orphaned();
        registerNode(node, 1, Map.of("suite", suite));
        kafka.publish(EventType.TASK_READY, spec, "T1", "T1", taskReady(spec, "T1", Map.of("suite", suite), 0));

        TaskLeased first = kafka.awaitOne(
                        Topics.TASKS_LEASED,
                        isEvent(EventType.TASK_LEASED, spec, "T1")
                                .and(e -> e.payloadAs(TaskLeased.class).attempt() == 1))
                .payloadAs(TaskLeased.class);
        // no heartbeat: after 3 missed 1 s intervals the supervisor requeues the task
        TaskStateChanged requeued = kafka.awaitOne(Topics.TASKS_LIFECYCLE, isStateChange(spec, "T1", TaskState.READY))
                .payloadAs(TaskStateChanged.class);
        assertThat(requeued.failureClass()).isEqualTo(FailureClass.ORPHANED);
        assertThat(requeued.fencingToken()).isEqualTo(first.fencingToken());
        assertThat(requeued.reason()).contains("no heartbeat");

        TaskLeased second = kafka.awaitOne(
                        Topics.TASKS_LEASED,
                        isEvent(EventType.TASK_LEASED, spec, "T1")
                                .and(e -> e.payloadAs(TaskLeased.class).attempt() == 2))
                .payloadAs(TaskLeased.class);
        assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
        assertThat(second.leaseId()).isNotEqualTo(first.leaseId());
        assertThat(second.nodeName()).isEqualTo(node);

        TaskView view = task(spec, "T1");
        assertThat(view.leases()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(view.leases().get(0).fencingToken()).isEqualTo(first.fencingToken());
        assertThat(view.leases().get(0).outcome()).hasToString("ORPHANED");
        assertThat(view.leases().get(0).endedAt()).isNotNull();
        assertThat(view.leases().get(1).fencingToken()).isEqualTo(second.fencingToken());
        assertThat(view.leases().get(1).attempt()).isEqualTo(2);
        assertThat(stats().orphaned()).isGreaterThan(orphanedBefore);
    }

    /**
     * A worker reads its own node's leases and revocations, none of the other nodes': with 50 other nodes taking
     * leases (and losing them to the supervisor, since nobody heartbeats them), the feed of one node holds only
     * that node's events, a long poll on it is answered by its revocation, and a poll without a position resumes
     * after what was read last.
     */
    @Test
    void eachNodeReadsOnlyItsOwnLeaseFeed() throws Exception {
        String suite = "feed-" + unique();
        String spec = suite;
        int others = 50;
        String mine = "node-" + suite + "-mine";
        registerNode(mine, 1, Map.of("suite", suite));
        for (int i = 0; i < others; i++) {
            registerNode("node-" + suite + "-" + i, 1, Map.of("suite", suite));
        }
        try (FakeWorker worker = new FakeWorker(kafka, db, mine)) {
            for (int i = 0; i <= others; i++) {
                kafka.publish(
                        EventType.TASK_READY,
                        spec,
                        "T" + i,
                        "T" + i,
                        taskReady(spec, "T" + i, Map.of("suite", suite), 0));
            }
            // every node got a lease: 51 leases on the topic, each to another node (on a loaded machine the silent
            // nodes' leases may be orphaned and leased again, so mine need not be among the first 51)
            kafka.awaitOne(
                    Topics.TASKS_LEASED,
                    e -> e.eventType() == EventType.TASK_LEASED
                            && spec.equals(e.specId())
                            && mine.equals(e.payloadAs(TaskLeased.class).nodeName()));
            List<Envelope> onTopic = kafka.await(
                    Topics.TASKS_LEASED,
                    e -> e.eventType() == EventType.TASK_LEASED && spec.equals(e.specId()),
                    others + 1,
                    WAIT);
            assertThat(onTopic).hasSizeGreaterThanOrEqualTo(others + 1);
            Db.LeaseRow myLease = db.openLeasesOfNode(mine).get(0);

            LeaseFeedPage page = given().queryParam("after", 0)
                    .queryParam("limit", 1000)
                    .get("/nodes/{name}/leases", mine)
                    .then()
                    .statusCode(200)
                    .extract()
                    .as(LeaseFeedPage.class);
            // its one lease and nothing of the 50 other nodes' leases and revocations
            assertThat(page.node()).isEqualTo(mine);
            assertThat(page.events()).hasSize(1);
            assertThat(page.more()).isFalse();
            LeaseFeedPage.Event event = page.events().get(0);
            assertThat(event.type()).isEqualTo(EventType.TASK_LEASED.wireName());
            TaskLeased lease = EventCodec.decode(event.envelope()).payloadAs(TaskLeased.class);
            assertThat(lease.nodeName()).isEqualTo(mine);
            assertThat(lease.leaseId()).isEqualTo(myLease.id());
            assertThat(lease.fencingToken()).isEqualTo(myLease.fencingToken());
            assertThat(page.next()).isEqualTo(event.seq());

            // a long poll waits through the other nodes' churn and is answered by this node's revocation
            CompletableFuture<LeaseFeedPage> poll =
                    CompletableFuture.supplyAsync(() -> given().queryParam("after", page.next())
                            .queryParam("wait", 30)
                            .get("/nodes/{name}/leases", mine)
                            .then()
                            .statusCode(200)
                            .extract()
                            .as(LeaseFeedPage.class));
            await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> !poll.isDone());
            given().post("/tasks/{spec}/{task}/cancel", spec, myLease.taskId())
                    .then()
                    .statusCode(200);
            LeaseFeedPage revoked = poll.get(10, TimeUnit.SECONDS);
            assertThat(revoked.events()).hasSize(1);
            assertThat(revoked.events().get(0).type()).isEqualTo(EventType.LEASE_REVOKED.wireName());
            LeaseRevoked revocation =
                    EventCodec.decode(revoked.events().get(0).envelope()).payloadAs(LeaseRevoked.class);
            assertThat(revocation.nodeName()).isEqualTo(mine);
            assertThat(revocation.fencingToken()).isEqualTo(myLease.fencingToken());
            assertThat(revoked.next()).isGreaterThan(page.next());

            // a worker that starts again asks without a position: it gets what it had not acknowledged yet (the
            // revocation, since the poll after the lease acknowledged only the lease; then perhaps a new lease of
            // another node's orphaned task, now that this node has a free slot), nothing older
            LeaseFeedPage resumed = given().get("/nodes/{name}/leases", mine)
                    .then()
                    .statusCode(200)
                    .extract()
                    .as(LeaseFeedPage.class);
            assertThat(resumed.events()).isNotEmpty();
            assertThat(resumed.events().get(0).seq()).isEqualTo(revoked.next());
            assertThat(resumed.events()).allSatisfy(e -> assertThat(nodeOf(e)).isEqualTo(mine));
            // once acknowledged, a restart resumes after it
            given().queryParam("after", resumed.next())
                    .get("/nodes/{name}/leases", mine)
                    .then()
                    .statusCode(200);
            LeaseFeedPage afterAck = given().get("/nodes/{name}/leases", mine)
                    .then()
                    .statusCode(200)
                    .extract()
                    .as(LeaseFeedPage.class);
            assertThat(afterAck.events()).allSatisfy(e -> assertThat(e.seq()).isGreaterThan(resumed.next()));
        }

        given().queryParam("wait", 61)
                .queryParam("limit", 0)
                .get("/nodes/{name}/leases", mine)
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:forgeline:problem:invalid-lease-feed-query"))
                .body("errors.field", hasItems("wait", "limit"));
        given().get("/nodes/{name}/leases", "node-" + suite + "-unknown")
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
    }

    /**
     * A poll records how far the worker has read without waiting for its node's row: dispatch rounds and heartbeat
     * batches hold that row's lock for their whole transaction, and the worker would get its next leases only after.
     */
    @Test
    void aLeaseFeedPollIsNotHeldUpByATransactionThatLocksItsNode() throws Exception {
        String suite = "feed-lock-" + unique();
        String mine = "node-" + suite;
        registerNode(mine, 2, Map.of("suite", suite));
        kafka.publish(EventType.TASK_READY, suite, "T1", "T1", taskReady(suite, "T1", Map.of("suite", suite), 0));
        await().atMost(WAIT).until(() -> !db.openLeasesOfNode(mine).isEmpty());
        LeaseFeedPage first = given().queryParam("after", 0)
                .get("/nodes/{name}/leases", mine)
                .then()
                .statusCode(200)
                .extract()
                .as(LeaseFeedPage.class);
        assertThat(first.events()).hasSize(1);

        try (Connection lock = dataSource.getConnection()) {
            lock.setAutoCommit(false);
            try (PreparedStatement ps = lock.prepareStatement("SELECT name FROM node WHERE name = ? FOR UPDATE")) {
                ps.setString(1, mine);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                }
            }
            // the read that acknowledges the lease answers while the node row stays locked
            CompletableFuture<LeaseFeedPage> ack =
                    CompletableFuture.supplyAsync(() -> given().queryParam("after", first.next())
                            .get("/nodes/{name}/leases", mine)
                            .then()
                            .statusCode(200)
                            .extract()
                            .as(LeaseFeedPage.class));
            assertThat(ack.get(20, TimeUnit.SECONDS).events()).isEmpty();
            lock.rollback();
        }
        // and it was recorded: a worker that starts again resumes after the lease
        LeaseFeedPage resumed = given().get("/nodes/{name}/leases", mine)
                .then()
                .statusCode(200)
                .extract()
                .as(LeaseFeedPage.class);
        assertThat(resumed.events()).isEmpty();
        assertThat(resumed.next()).isEqualTo(first.next());
    }

    @Test
    void nodeRegistrationIsValidatedAndIdempotent() {
        given().contentType(ContentType.JSON)
                .body(Map.of("name", "-bad name", "capacity", 0))
                .post("/nodes")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("errors.field", hasItems("name", "capacity"));
        given().contentType(ContentType.JSON)
                .body(Map.of("name", "fine", "capacity", 257))
                .post("/nodes")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", equalTo(List.of("capacity")));

        String node = "node-registry-" + unique();
        NodeView first = given().contentType(ContentType.JSON)
                .body(Map.of(
                        "name",
                        node,
                        "capacity",
                        3,
                        "labels",
                        Map.of("suite", node, "os", "linux"),
                        "agentProfiles",
                        List.of("claude")))
                .post("/nodes")
                .then()
                .statusCode(200)
                .extract()
                .as(NodeView.class);
        assertThat(first.status()).hasToString("READY");
        assertThat(first.freeSlots()).isEqualTo(3);
        assertThat(first.labels()).containsEntry("os", "linux");
        assertThat(first.agentProfiles()).containsExactly("claude");

        NodeView again = given().contentType(ContentType.JSON)
                .body(Map.of("name", node, "capacity", 4, "labels", Map.of("suite", node)))
                .post("/nodes")
                .then()
                .statusCode(200)
                .extract()
                .as(NodeView.class);
        assertThat(again.capacity()).isEqualTo(4);
        assertThat(again.registeredAt()).isEqualTo(first.registeredAt());
        assertThat(again.lastSeenAt()).isAfterOrEqualTo(first.lastSeenAt());
        List<NodeView> listed =
                List.of(given().get("/nodes").then().statusCode(200).extract().as(NodeView[].class));
        assertThat(listed)
                .filteredOn(n -> n.name().equals(node))
                .singleElement()
                .satisfies(n -> assertThat(n.freeSlots()).isEqualTo(4));
    }

    @Test
    void unknownTasksAndBadQueriesAreProblems() {
        given().get("/tasks/no-such-spec/T1")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("status", equalTo(404))
                .body("detail", notNullValue());
        given().get("/tasks?state=SLEEPING")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("state"));
        given().get("/tasks?limit=0")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("limit"));
        given().get("/tasks?state=READY&specId=no-such-spec")
                .then()
                .statusCode(200)
                .body("size()", equalTo(0));
    }

    private static TaskView task(String spec, String task) {
        return given().get("/tasks/{spec}/{task}", spec, task)
                .then()
                .statusCode(200)
                .extract()
                .as(TaskView.class);
    }

    private static NodeView node(String name) {
        return List.of(given().get("/nodes").then().statusCode(200).extract().as(NodeView[].class)).stream()
                .filter(n -> n.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    /** The node a lease feed event is for. */
    private static String nodeOf(LeaseFeedPage.Event event) {
        Envelope envelope = EventCodec.decode(event.envelope());
        return envelope.eventType() == EventType.TASK_LEASED
                ? envelope.payloadAs(TaskLeased.class).nodeName()
                : envelope.payloadAs(LeaseRevoked.class).nodeName();
    }

    static Predicate<Envelope> isEvent(EventType type, String spec, String task) {
        return e -> e.eventType() == type && spec.equals(e.specId()) && task.equals(e.taskId());
    }

    static Predicate<Envelope> isStateChange(String spec, String task, TaskState state) {
        return isEvent(EventType.TASK_STATE_CHANGED, spec, task)
                .and(e -> e.payloadAs(TaskStateChanged.class).state() == state);
    }
}
