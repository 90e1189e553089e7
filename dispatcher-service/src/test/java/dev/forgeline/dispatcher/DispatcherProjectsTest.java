package dev.forgeline.dispatcher;

import static dev.forgeline.dispatcher.Fixtures.taskReady;
import static dev.forgeline.dispatcher.Fixtures.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import jakarta.inject.Inject;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Project scoping in the dispatcher, with API tokens on: a task learns its project from its TaskReady (none: the
 * default project); a token sees, cancels and retries only the tasks of its projects, and another project's task
 * answers exactly like an unknown one.
 */
@QuarkusTest
@TestProfile(DispatcherAuthTest.TokensOn.class)
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class DispatcherProjectsTest {
    @Inject
    AgroalDataSource dataSource;

    private TestKafka kafka;

    @BeforeEach
    void connect() {
        kafka = TestKafka.forApplication();
    }

    @AfterEach
    void disconnect() {
        kafka.close();
    }

    /** Tokens of their own per step: the test profile allows a token 12 requests at once. */
    private static String token(List<String> projects) {
        return DispatcherAuthTest.STORE
                .create("projects-" + unique(), List.of(Roles.OPERATOR), projects, null)
                .secret();
    }

    private void publish(String spec, TaskReady ready) {
        kafka.publish(Topics.TASKS_READY, "T1", Envelope.of(EventType.TASK_READY, spec, "T1", ready, Map.of()));
    }

    /** A task no node can run (a requirement nobody offers): it stays READY. */
    private static TaskReady inProject(String spec, String suite, String project) {
        TaskReady base = taskReady(spec, "T1", Map.of("suite", suite), 5);
        return new TaskReady(
                base.specId(),
                base.specName(),
                base.taskId(),
                base.title(),
                base.description(),
                base.acceptance(),
                base.testCommand(),
                base.estimateSeconds(),
                base.dependsOn(),
                base.repository(),
                base.baseBranch(),
                base.priority(),
                base.labels(),
                base.agentProfile(),
                base.revision(),
                base.qualityClass(),
                base.qualityScore(),
                base.files(),
                base.parentTaskId(),
                base.origin(),
                base.dependencySummaries(),
                base.requires(),
                project);
    }

    @Test
    void aTokenSeesAndActsOnTheTasksOfItsProjectsOnly() {
        String suite = "projects-" + unique();
        String specA = suite + "-a";
        String specB = suite + "-b";
        String specOld = suite + "-old";
        publish(specA, inProject(specA, suite, "a"));
        publish(specB, inProject(specB, suite, "b"));
        // an event from before projects existed carries none: its task is of the default project
        publish(specOld, taskReady(specOld, "T1", Map.of("suite", suite), 5));
        Db db = new Db(dataSource);
        // no node offers the suite: after the test profile's unplaceable grace (8 s) each task fails, a state a
        // retry (and then a cancel) applies to
        await().atMost(Duration.ofSeconds(90))
                .until(() -> db.countTasks(specA, "FAILED")
                                + db.countTasks(specB, "FAILED")
                                + db.countTasks(specOld, "FAILED")
                        == 3);

        String tokenA = token(List.of("a"));
        ExtractableResponse<Response> foreign =
                given().auth().oauth2(tokenA).get("/tasks/{s}/T1", specB).then().extract();
        ExtractableResponse<Response> unknown = given().auth()
                .oauth2(tokenA)
                .get("/tasks/{s}/T1", specB + "-x")
                .then()
                .extract();
        assertThat(foreign.statusCode()).isEqualTo(404).isEqualTo(unknown.statusCode());
        assertThat(foreign.contentType()).isEqualTo(unknown.contentType());
        assertThat(foreign.<String>path("type")).isEqualTo(unknown.path("type"));
        assertThat(foreign.<String>path("detail"))
                .isEqualTo(unknown.<String>path("detail").replace(specB + "-x", specB));
        given().auth().oauth2(tokenA).get("/tasks/{s}/T1", specA).then().statusCode(200);
        given().auth()
                .oauth2(tokenA)
                .queryParam("specId", specB)
                .get("/tasks")
                .then()
                .statusCode(200)
                .body("", hasSize(0));
        given().auth()
                .oauth2(tokenA)
                .queryParam("specId", specA)
                .get("/tasks")
                .then()
                .statusCode(200)
                .body("specId", equalTo(List.of(specA)));
        given().auth()
                .oauth2(tokenA)
                .queryParam("limit", 1000)
                .queryParam("state", "FAILED")
                .get("/tasks")
                .then()
                .statusCode(200)
                .body("specId", hasItem(specA))
                .body("specId", not(hasItem(specB)))
                .body("specId", not(hasItem(specOld)));

        // acting on another project's task is 404 and changes nothing
        given().auth().oauth2(tokenA).post("/tasks/{s}/T1/retry", specB).then().statusCode(404);
        given().auth().oauth2(tokenA).post("/tasks/{s}/T1/cancel", specB).then().statusCode(404);
        assertThat(db.countTasks(specB, "FAILED")).isEqualTo(1);
        given().auth()
                .oauth2(tokenA)
                .post("/tasks/{s}/T1/retry", specA)
                .then()
                .statusCode(200)
                .body("state", equalTo("READY"));
        given().auth()
                .oauth2(tokenA)
                .post("/tasks/{s}/T1/cancel", specA)
                .then()
                .statusCode(200)
                .body("state", equalTo("CANCELLED"));

        String tokenDefault = token(List.of("default"));
        given().auth().oauth2(tokenDefault).get("/tasks/{s}/T1", specOld).then().statusCode(200);
        given().auth().oauth2(tokenDefault).get("/tasks/{s}/T1", specA).then().statusCode(404);

        String tokenAll = token(List.of("*"));
        given().auth()
                .oauth2(tokenAll)
                .queryParam("limit", 1000)
                .get("/tasks")
                .then()
                .statusCode(200)
                .body("specId", hasItems(specA, specB, specOld));
        given().auth()
                .oauth2(tokenAll)
                .post("/tasks/{s}/T1/retry", specB)
                .then()
                .statusCode(200)
                .body("state", equalTo("READY"));
        given().auth()
                .oauth2(tokenAll)
                .post("/tasks/{s}/T1/cancel", specB)
                .then()
                .statusCode(200);
    }
}
