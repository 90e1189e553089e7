package dev.forgeline.planner.messaging;

import static dev.forgeline.planner.SpecFixtures.createThreeTaskSpec;
import static dev.forgeline.planner.SpecFixtures.stateOf;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.planner.GitFixture;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Lifecycle events and review outcomes on the real broker. Every record of one test carries the spec id as
 * its key, so the planner consumes them in publishing order: once the effect of a later record is visible,
 * the earlier ones have been handled.
 */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class TaskProgressTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static Path repository;
    private TestKafka kafka;

    /** A fresh repository per test: a spec submitted again under the same name is a revision. */
    @BeforeEach
    void createRepository() throws IOException {
        repository = GitFixture.repository(
                Files.createTempDirectory("task-progress-test").resolve("repo"));
    }

    @BeforeEach
    void connect() {
        kafka = TestKafka.forApplication();
    }

    @AfterEach
    void disconnect() {
        kafka.close();
    }

    @Test
    void mergingAllDependenciesReleasesTheDependentExactlyOnce() {
        String spec = createThreeTaskSpec(repository.toString());

        reviewOutcome(spec, "T1", TaskState.MERGED, 1, "c0ffee01");
        await().atMost(WAIT).untilAsserted(() -> assertThat(stateOf(spec, "T1")).isEqualTo("MERGED"));
        assertThat(stateOf(spec, "T3")).isEqualTo("PLANNED");

        Envelope t2Merged = reviewOutcome(spec, "T2", TaskState.MERGED, 1, "c0ffee02");
        kafka.publish(Topics.REVIEW_OUTCOMES, spec, t2Merged); // the same event delivered again

        await().atMost(WAIT).untilAsserted(() -> assertThat(stateOf(spec, "T3")).isEqualTo("READY"));
        given().get("/specs/" + spec)
                .then()
                .body("tasks[0].mergeCommit", equalTo("c0ffee01"))
                .body("tasks[0].reviewLevel", equalTo(1))
                .body("tasks[0].attempt", equalTo(1))
                .body("tasks[1].mergeCommit", equalTo("c0ffee02"))
                .body("counts.MERGED", equalTo(2))
                .body("counts.READY", equalTo(1));

        TaskReady t3 = kafka.awaitOne(Topics.TASKS_READY, e -> spec.equals(e.specId()) && "T3".equals(e.taskId()))
                .payloadAs(TaskReady.class);
        assertThat(t3.dependsOn()).containsExactly("T1", "T2");
        assertThat(t3.priority()).isEqualTo(5);
        assertThat(t3.labels()).containsEntry("os", "linux").containsEntry("jdk", "17");
        assertThat(t3.agentProfile()).isEqualTo("simulated");
        assertThat(t3.estimateSeconds()).isEqualTo(300);

        // a later record on the same key: once it shows, the duplicate before it has been handled
        reviewOutcome(spec, "T3", TaskState.IN_REVIEW, 1, null);
        await().atMost(WAIT).untilAsserted(() -> assertThat(stateOf(spec, "T3")).isEqualTo("IN_REVIEW"));

        List<Envelope> ready = kafka.readAll(Topics.TASKS_READY, Duration.ofSeconds(3)).stream()
                .filter(e -> spec.equals(e.specId()))
                .toList();
        assertThat(ready).extracting(Envelope::taskId).containsExactlyInAnyOrder("T1", "T2", "T3");
    }

    @Test
    void lifecycleEventsOnlyMoveATaskForward() {
        String spec = createThreeTaskSpec(repository.toString());

        stateChanged(spec, "T1", TaskState.LEASED, 1, null);
        await().atMost(WAIT).untilAsserted(() -> assertThat(stateOf(spec, "T1")).isEqualTo("LEASED"));
        stateChanged(spec, "T1", TaskState.RUNNING, 1, null);
        await().atMost(WAIT).untilAsserted(() -> assertThat(stateOf(spec, "T1")).isEqualTo("RUNNING"));

        // late and duplicated: LEASED of the same attempt, and an event of an unknown task
        stateChanged(spec, "T1", TaskState.LEASED, 1, null);
        stateChanged(spec, "T99", TaskState.RUNNING, 1, null);
        stateChanged(spec, "T2", TaskState.LEASED, 1, null);
        await().atMost(WAIT).untilAsserted(() -> assertThat(stateOf(spec, "T2")).isEqualTo("LEASED"));
        assertThat(stateOf(spec, "T1")).isEqualTo("RUNNING");

        stateChanged(spec, "T1", TaskState.FAILED, 1, FailureClass.TEST_FAILURE);
        await().atMost(WAIT)
                .untilAsserted(() -> given().get("/specs/" + spec)
                        .then()
                        .body("tasks[0].state", equalTo("FAILED"))
                        .body("tasks[0].failureClass", equalTo("TEST_FAILURE")));

        // a retry is a later attempt: it applies although READY ranks before FAILED; an older attempt never does
        stateChanged(spec, "T1", TaskState.READY, 2, null);
        stateChanged(spec, "T1", TaskState.SUCCEEDED, 1, null);
        stateChanged(spec, "T2", TaskState.RUNNING, 1, null);
        await().atMost(WAIT).untilAsserted(() -> assertThat(stateOf(spec, "T2")).isEqualTo("RUNNING"));
        given().get("/specs/" + spec)
                .then()
                .body("tasks[0].state", equalTo("READY"))
                .body("tasks[0].attempt", equalTo(2))
                .body("tasks[0].failureClass", nullValue());

        // a merged task never changes again
        reviewOutcome(spec, "T1", TaskState.MERGED, 2, "abc123");
        await().atMost(WAIT).untilAsserted(() -> assertThat(stateOf(spec, "T1")).isEqualTo("MERGED"));
        stateChanged(spec, "T1", TaskState.READY, 3, null);
        stateChanged(spec, "T2", TaskState.SUCCEEDED, 1, null);
        await().atMost(WAIT).untilAsserted(() -> assertThat(stateOf(spec, "T2")).isEqualTo("SUCCEEDED"));
        given().get("/specs/" + spec)
                .then()
                .body("tasks[0].state", equalTo("MERGED"))
                .body("tasks[0].attempt", equalTo(2));
    }

    private Envelope stateChanged(String spec, String task, TaskState state, int attempt, FailureClass failure) {
        return kafka.publish(
                EventType.TASK_STATE_CHANGED,
                spec,
                task,
                spec,
                new TaskStateChanged(spec, task, state, attempt, "node-a", 1, failure, "test"));
    }

    private Envelope reviewOutcome(String spec, String task, TaskState state, int attempt, String mergeCommit) {
        return kafka.publish(
                EventType.REVIEW_OUTCOME,
                spec,
                task,
                spec,
                new ReviewOutcome(
                        spec,
                        task,
                        attempt,
                        1,
                        state,
                        1,
                        List.of("small diff"),
                        repository.toString(),
                        "forgeline/" + spec + "/" + task + "/a" + attempt,
                        mergeCommit,
                        10));
    }
}
