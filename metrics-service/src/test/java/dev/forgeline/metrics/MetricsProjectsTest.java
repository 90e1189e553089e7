package dev.forgeline.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.forgeline.contracts.DecisionKind;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.payload.DecisionRecorded;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.support.auth.TokenStore;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Project scoping in the metrics service, with API tokens on: a task's facts learn its project from its
 * TaskReady; a token's figures and reports hold only its projects' tasks, and another project's spec report
 * answers exactly like one no event named.
 */
@QuarkusTest
@TestProfile(MetricsProjectsTest.TokensOn.class)
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class MetricsProjectsTest {
    static final Path TOKENS = Path.of("target", "auth-test", "tokens").toAbsolutePath();
    static final TokenStore STORE = new TokenStore(TOKENS);
    private static TestKafka kafka;

    public static class TokensOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("forgeline.auth.mode", "tokens", "forgeline.auth.tokens-file", TOKENS.toString());
        }
    }

    @BeforeAll
    static void connect() {
        kafka = TestKafka.forApplication();
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    private static String token(String... projects) {
        return STORE.create("metrics-" + UUID.randomUUID(), List.of(Roles.REVIEWER), List.of(projects), null)
                .secret();
    }

    private static TaskReady ready(String spec, String project) {
        return new TaskReady(
                spec,
                "demo",
                "T1",
                "Title",
                "Description",
                List.of(),
                "sh test.sh",
                300,
                List.of(),
                "/repo",
                "main",
                0,
                Map.of(),
                null,
                1,
                null,
                0,
                List.of(),
                null,
                null,
                List.of(),
                Map.of(),
                project);
    }

    private static long tasksOf(String token, String spec) {
        return given().auth()
                .oauth2(token)
                .get("/metrics/summary?specId={s}", spec)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getLong("tasks");
    }

    @Test
    void aTokensFiguresAndReportsHoldOnlyItsProjects() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String specA = "proj-a-" + suffix;
        String specB = "proj-b-" + suffix;
        kafka.publish(EventType.TASK_READY, specA, "T1", "T1", ready(specA, "a"));
        kafka.publish(EventType.TASK_READY, specB, "T1", "T1", ready(specB, "b"));
        String all = token("*");
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() ->
                        assertThat(tasksOf(all, specA) + tasksOf(all, specB)).isEqualTo(2));

        String onlyA = token("a");
        assertThat(tasksOf(onlyA, specA)).isEqualTo(1);
        assertThat(tasksOf(onlyA, specB)).isZero();
        // over all tasks: the token of a counts no task of b (every task of this service's tests but a's is of
        // another project)
        long allTasks = given().auth()
                .oauth2(all)
                .get("/metrics/summary")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getLong("tasks");
        long tasksOfA = given().auth()
                .oauth2(onlyA)
                .get("/metrics/summary")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getLong("tasks");
        assertThat(tasksOfA).isEqualTo(1);
        assertThat(allTasks).isGreaterThanOrEqualTo(2);

        ExtractableResponse<Response> foreign = given().auth()
                .oauth2(onlyA)
                .get("/reports/specs/{s}", specB)
                .then()
                .extract();
        ExtractableResponse<Response> unknown = given().auth()
                .oauth2(onlyA)
                .get("/reports/specs/{s}", specB + "-x")
                .then()
                .extract();
        assertThat(foreign.statusCode()).isEqualTo(404).isEqualTo(unknown.statusCode());
        assertThat(foreign.contentType()).isEqualTo(unknown.contentType());
        assertThat(foreign.<String>path("type")).isEqualTo(unknown.path("type"));
        assertThat(foreign.<String>path("detail"))
                .isEqualTo(unknown.<String>path("detail").replace(specB + "-x", specB));
        String report = given().auth()
                .oauth2(onlyA)
                .get("/reports/specs/{s}", specA)
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(report).contains(specA);
        given().auth()
                .oauth2(token("b"))
                .get("/reports/specs/{s}", specB)
                .then()
                .statusCode(200);
    }

    @Test
    void aSpecWhoseOnlyFactsAreDecisionsBelongsToTheProjectTheDecisionNames() {
        String spec = "proj-decided-" + UUID.randomUUID().toString().substring(0, 8);
        Instant asked = Instant.now().minusSeconds(600);
        kafka.publish(
                EventType.DECISION_RECORDED,
                spec,
                "T1",
                "T1",
                new DecisionRecorded(
                        UUID.randomUUID(),
                        spec,
                        "T1",
                        DecisionKind.SPEC_QUALITY,
                        0,
                        asked,
                        asked.plusSeconds(300),
                        "ana",
                        "AMENDED",
                        "c"));
        String ofC = token("c");
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> given().auth()
                        .oauth2(ofC)
                        .get("/reports/specs/{s}", spec)
                        .then()
                        .statusCode(200));
        // the default project's token sees it exactly as it sees a spec no event named
        ExtractableResponse<Response> foreign = given().auth()
                .oauth2(token("default"))
                .get("/reports/specs/{s}", spec)
                .then()
                .extract();
        assertThat(foreign.statusCode()).isEqualTo(404);
        assertThat(foreign.<String>path("detail")).contains(spec);
    }
}
