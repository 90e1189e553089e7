package dev.forgeline.review;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The board scoped by project, with API tokens on: one snapshot of every project is gathered from the planner and
 * the dispatcher (recorded answers over real HTTP), and each signed-in viewer is shown the specs, tasks, reviews and
 * decisions of its own projects, on the page and in the live updates, while nodes stay fleet-wide.
 */
@QuarkusTest
@TestProfile(ReviewAuthTest.TokensOn.class)
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RecordedServicesResource.class, restrictToAnnotatedClass = false)
class ReviewBoardProjectsTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static TestKafka kafka;

    @TempDir
    Path tmp;

    @BeforeAll
    static void connect() {
        kafka = TestKafka.forApplication();
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    private static String viewer(String project) {
        return ReviewAuthTest.STORE
                .create("board-" + project + "-" + System.nanoTime(), List.of(Roles.REVIEWER), List.of(project), null)
                .secret();
    }

    /** A level 2 change of {@code spec} in {@code project}, waiting for a person. */
    private void pendingReview(String spec, String project, long fencingToken) {
        GitRepo repo = GitRepo.init(tmp.resolve(spec));
        GitRepo.Attempt attempt = repo.attemptBranch(
                spec, "T1", 1, "src/main/java/com/acme/auth/Gate.java", "package com.acme.auth;\n\nclass Gate {\n}\n");
        Served.serve(repo, "board");
        TaskResult r = Events.succeeded(spec, "T1", fencingToken, 1, repo, attempt);
        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", r.withOwner(project, null));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", fencingToken));
        kafka.await(
                Topics.REVIEW_OUTCOMES,
                e -> spec.equals(e.specId()) && e.payloadAs(ReviewOutcome.class).state() == TaskState.IN_REVIEW,
                1,
                WAIT);
    }

    private static String summary(String spec, String project, String createdAt) {
        return "{\"id\":\"" + spec + "\",\"name\":\"Spec " + spec + "\",\"createdAt\":\"" + createdAt
                + "\",\"counts\":{},\"revision\":1,\"project\":\"" + project + "\"}";
    }

    private static String detail(String spec, String project) {
        return "{\"id\":\"" + spec + "\",\"name\":\"Spec " + spec + "\",\"createdAt\":\"2026-12-03T10:00:00Z\","
                + "\"project\":\"" + project + "\",\"tasks\":[{\"taskId\":\"T1\",\"title\":\"Task of " + spec
                + "\",\"state\":\"RUNNING\",\"attempt\":1}]}";
    }

    private static String decision(String id, String spec) {
        return "{\"id\":\"" + id + "\",\"specId\":\"" + spec + "\",\"taskId\":\"T1\",\"kind\":\"QUALITY\","
                + "\"question\":\"Which slug rules?\",\"requestedAt\":\"2026-12-03T10:00:00Z\"}";
    }

    private static void recordSpecs(Path recorded, List<String[]> specs) throws IOException {
        StringBuilder summaries = new StringBuilder("[");
        StringBuilder decisions = new StringBuilder("[");
        for (int i = 0; i < specs.size(); i++) {
            String spec = specs.get(i)[0];
            String project = specs.get(i)[1];
            summaries.append(i == 0 ? "" : ",").append(summary(spec, project, "2026-12-03T10:0" + i + ":00Z"));
            decisions.append(i == 0 ? "" : ",").append(decision("d-" + spec, spec));
            RecordedServicesResource.record(recorded, "/planner/specs/" + spec, detail(spec, project));
            RecordedServicesResource.record(recorded, "/dispatcher/tasks?limit=1000&specId=" + spec, "[]");
        }
        RecordedServicesResource.record(
                recorded, "/planner/specs", summaries.append("]").toString());
        RecordedServicesResource.record(
                recorded, "/planner/decisions", decisions.append("]").toString());
    }

    @Test
    void eachViewerSeesTheSpecsTasksReviewsAndDecisionsOfItsProjectsAndTheWholeFleet() throws Exception {
        Path recorded =
                Path.of(ConfigProvider.getConfig().getValue(RecordedServicesResource.DIRECTORY_KEY, String.class));
        String specA = Events.uniqueSpec("board-a");
        String specB = Events.uniqueSpec("board-b");
        String node = "fleet-node-" + System.nanoTime();
        recordSpecs(recorded, List.of(new String[] {specA, "alpha"}, new String[] {specB, "beta"}));
        RecordedServicesResource.record(
                recorded,
                "/dispatcher/nodes",
                "[{\"name\":\"" + node + "\",\"capacity\":2,\"status\":\"READY\",\"activeLeases\":0,\"freeSlots\":2}]");
        RecordedServicesResource.record(recorded, "/dispatcher/breakers", "[]");
        RecordedServicesResource.record(recorded, "/dispatcher/dispatch", "{\"paused\":false,\"reasons\":[]}");
        pendingReview(specA, "alpha", 811);
        pendingReview(specB, "beta", 812);

        // a token per look: the test profile's rate limit hardly refills
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            String page = board(viewer("alpha"));
            assertThat(page)
                    .contains(
                            "id=\"spec-" + specA + "\"",
                            "id=\"task-" + specA + "-T1\"",
                            "id=\"review-" + specA + "-T1\"",
                            "id=\"decision-d-" + specA + "\"",
                            node)
                    .doesNotContain(specB);
        });
        String betaPage = board(viewer("beta"));
        assertThat(betaPage)
                .contains(
                        "id=\"spec-" + specB + "\"",
                        "id=\"task-" + specB + "-T1\"",
                        "id=\"review-" + specB + "-T1\"",
                        "id=\"decision-d-" + specB + "\"",
                        node)
                .doesNotContain(specA);
        String everyProject = ReviewAuthTest.STORE
                .create("board-all-" + System.nanoTime(), List.of(Roles.REVIEWER), List.of("*"), null)
                .secret();
        assertThat(board(everyProject)).contains("id=\"spec-" + specA + "\"", "id=\"spec-" + specB + "\"");

        // live updates: a new spec in each project; the viewer of alpha is pushed its own, never beta's
        List<String> events = new CopyOnWriteArrayList<>();
        HttpResponse<Stream<String>> stream = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/ui/board/events"))
                                .header("Authorization", "Bearer " + viewer("alpha"))
                                .header("Accept", "text/event-stream")
                                .build(),
                        HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.statusCode()).isEqualTo(200);
        Thread reader = new Thread(
                () -> stream.body().filter(line -> line.startsWith("data:")).forEach(events::add));
        reader.setDaemon(true);
        reader.start();
        try {
            await().atMost(WAIT).until(() -> !events.isEmpty());
            String specA2 = Events.uniqueSpec("board-a2");
            String specB2 = Events.uniqueSpec("board-b2");
            recordSpecs(
                    recorded,
                    List.of(
                            new String[] {specA, "alpha"},
                            new String[] {specB, "beta"},
                            new String[] {specA2, "alpha"},
                            new String[] {specB2, "beta"}));
            await().atMost(WAIT).until(() -> events.stream().anyMatch(e -> e.contains("spec-" + specA2)));
            assertThat(events)
                    .isNotEmpty()
                    .allSatisfy(event -> assertThat(event)
                            .contains(specA)
                            .doesNotContain(specB)
                            .doesNotContain(specB2));
        } finally {
            closeQuietly(stream.body());
        }
    }

    private static String board(String token) {
        return given().auth()
                .oauth2(token)
                .get("/ui/board")
                .then()
                .statusCode(200)
                .extract()
                .asString();
    }

    private static void closeQuietly(Stream<String> lines) {
        lines.close();
    }
}
