package dev.forgeline.dispatcher;

import static io.restassured.RestAssured.given;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.contracts.payload.DiffStats;
import dev.forgeline.contracts.payload.Heartbeat;
import dev.forgeline.contracts.payload.NodeHeartbeat;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TestOutcome;
import dev.forgeline.dispatcher.model.DispatcherStats;
import dev.forgeline.testsupport.TestKafka;
import io.restassured.http.ContentType;

/** Builders and REST shortcuts shared by the dispatcher tests. */
final class Fixtures {
    private Fixtures() {}

    /** A short random suffix so every test works on its own spec, nodes and labels. */
    static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /** Metadata labels every test task carries; no node offers them, and placement must ignore them. */
    static final Map<String, String> STORY_LABELS = Map.of("story", "US1", "requirement", "FR-7", "phase", "build");

    /** A task that needs a node offering {@code requires} (tests isolate themselves by a unique requirement). */
    static TaskReady taskReady(String specId, String taskId, Map<String, String> requires, int priority) {
        return taskReady(specId, taskId, requires, priority, 60, null, 1, List.of());
    }

    static TaskReady taskReady(
            String specId,
            String taskId,
            Map<String, String> requires,
            int priority,
            long estimateSeconds,
            String agentProfile,
            int revision,
            List<String> files) {
        return new TaskReady(
                specId,
                "spec " + specId,
                taskId,
                "task " + taskId + " r" + revision,
                "do " + taskId,
                List.of("it works"),
                "true",
                estimateSeconds,
                List.of(),
                "/tmp/repo-" + specId,
                "main",
                priority,
                STORY_LABELS,
                agentProfile,
                revision,
                null,
                0,
                files,
                null,
                null,
                List.of(),
                requires);
    }

    static void publishNodeHeartbeat(
            TestKafka kafka, String node, String instanceId, Map<String, String> labels, int capacity) {
        kafka.publish(
                EventType.NODE_HEARTBEAT,
                null,
                null,
                node,
                new NodeHeartbeat(node, "CLUSTER", instanceId, labels, List.of(), capacity, List.of(), Instant.now()));
    }

    static TaskResult failure(Db.LeaseRow lease, FailureClass failureClass, String detail, String testOutput) {
        Instant now = Instant.now();
        return new TaskResult(
                lease.id(),
                lease.specId(),
                lease.taskId(),
                lease.nodeName(),
                lease.fencingToken(),
                lease.attempt(),
                false,
                failureClass,
                detail,
                "/tmp/repo-" + lease.specId(),
                "main",
                "forgeline/" + lease.specId() + "/" + lease.taskId() + "/a" + lease.attempt(),
                "base",
                null,
                DiffStats.empty(),
                new TestOutcome("true", testOutput != null, false, 1, 10, testOutput),
                AgentUsage.none("default", "fake"),
                5,
                now.minusSeconds(1),
                now);
    }

    static void registerNode(String name, int capacity, Map<String, String> labels, List<String> profiles) {
        given().contentType(ContentType.JSON)
                .body(Map.of("name", name, "capacity", capacity, "labels", labels, "agentProfiles", profiles))
                .post("/nodes")
                .then()
                .statusCode(200);
    }

    /** Registers a node as its worker process {@code instanceId} does when it starts. */
    static void registerInstance(String name, String instanceId, int capacity, Map<String, String> labels) {
        given().contentType(ContentType.JSON)
                .body(Map.of(
                        "name",
                        name,
                        "capacity",
                        capacity,
                        "labels",
                        labels,
                        "agentProfiles",
                        List.of(),
                        "instanceId",
                        instanceId))
                .post("/nodes")
                .then()
                .statusCode(200);
    }

    static void registerNode(String name, int capacity, Map<String, String> labels) {
        given().contentType(ContentType.JSON)
                .body(Map.of("name", name, "capacity", capacity, "labels", labels, "agentProfiles", List.of()))
                .post("/nodes")
                .then()
                .statusCode(200);
    }

    static DispatcherStats stats() {
        return given().get("/dispatcher/stats").then().statusCode(200).extract().as(DispatcherStats.class);
    }

    static void publishHeartbeat(TestKafka kafka, Db.LeaseRow lease, long fencingToken) {
        kafka.publish(
                EventType.WORKER_HEARTBEAT,
                lease.specId(),
                lease.taskId(),
                lease.nodeName(),
                new Heartbeat(
                        lease.nodeName(),
                        lease.taskId(),
                        lease.id(),
                        fencingToken,
                        lease.attempt(),
                        1_000,
                        "AGENT",
                        "working",
                        10));
    }

    static TaskResult result(Db.LeaseRow lease, long fencingToken, boolean succeeded) {
        Instant now = Instant.now();
        return new TaskResult(
                lease.id(),
                lease.specId(),
                lease.taskId(),
                lease.nodeName(),
                fencingToken,
                lease.attempt(),
                succeeded,
                null,
                null,
                "/tmp/repo-" + lease.specId(),
                "main",
                "forgeline/" + lease.specId() + "/" + lease.taskId() + "/a" + lease.attempt(),
                "base",
                "commit",
                DiffStats.empty(),
                TestOutcome.notRun("true"),
                AgentUsage.none("default", "fake"),
                5,
                now.minusSeconds(1),
                now);
    }
}
