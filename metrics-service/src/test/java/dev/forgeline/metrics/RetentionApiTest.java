package dev.forgeline.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.metrics.git.TaskHistoryRepository;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.GitHttpServer;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retention scans of a real repository named by the tasks by URL (served over smart HTTP with a token), on demand,
 * from the service's own mirror, with the survival curve over two scans.
 */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class RetentionApiTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static TestKafka kafka;

    @BeforeAll
    static void connect() {
        kafka = TestKafka.forApplication();
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    @Test
    void aScanMeasuresSurvivingTaskLinesAndLaterScansExtendTheCurve() throws Exception {
        String specA = "ret-a-" + UUID.randomUUID().toString().substring(0, 8);
        String specB = "ret-b-" + UUID.randomUUID().toString().substring(0, 8);
        Path dir = Files.createTempDirectory("retention");
        TaskHistoryRepository repo = TaskHistoryRepository.create(dir, specA, specB);
        String token = "metrics-" + UUID.randomUUID();
        Path tokenFile = Path.of(
                ConfigProvider.getConfig().getValue("forgeline.git.hosts.\"127.0.0.1\".token-file", String.class));
        Files.createDirectories(tokenFile.toAbsolutePath().getParent());
        Files.writeString(tokenFile, token + "\n");
        try (GitHttpServer server = GitHttpServer.start()) {
            String name = "history-" + specA;
            server.createRepository(name, dir).requireToken(token);
            String url = server.url(name);
            scanAndMeasure(specA, specB, repo, url, url.replace("http://", "http://person:" + token + "@"));
        }
    }

    private void scanAndMeasure(String specA, String specB, TaskHistoryRepository repo, String url, String pushUrl)
            throws Exception {
        kafka.publish(EventType.TASK_READY, specA, "T1", specA + "/T1", ready(specA, url));
        kafka.publish(EventType.TASK_READY, specB, "T1", specB + "/T1", ready(specB, url));
        ConsumedBarrier.awaitConsumed(List.of(Topics.TASKS_READY), WAIT);

        JsonPath scan = given().header("Forgeline-Reason", "check after the rebase of " + specA)
                .post("/retention/scans")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        // the scan an operator started is in the audit trail, with why
        JsonPath audited = given().queryParam("target", scan.getString("scanId"))
                .get("/audit")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(audited.getList("action")).containsExactly("retention.scan");
        assertThat(audited.getString("[0].reason")).isEqualTo("check after the rebase of " + specA);
        assertThat(audited.getString("[0].actor")).isEqualTo("anonymous");
        assertThat(scan.getString("repositories.find { it.repository == '" + url + "' }.error"))
                .isNull();
        assertThat(scan.getList("repositories.find { it.repository == '" + url + "' }.rows"))
                .hasSize(2);
        // read from the service's own bare mirror under the configured directory
        Path mirrors =
                Path.of(ConfigProvider.getConfig().getValue("forgeline.metrics.retention.mirrors", String.class));
        try (var entries = Files.list(mirrors)) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.startsWith("history-" + specA + "-") && n.endsWith(".git"));
        }

        JsonPath a = HistoryReplayTest.summary(specA);
        assertThat(a.getLong("retention.generated")).isEqualTo(15);
        assertThat(a.getLong("retention.surviving")).isEqualTo(10);
        assertThat(HistoryReplayTest.dec(a, "retention.ratio")).isEqualByComparingTo("0.6667");
        assertThat(a.getMap("retention.byWeek['2026-01-12']"))
                .containsEntry("generated", 15)
                .containsEntry("surviving", 10);
        JsonPath b = HistoryReplayTest.summary(specB);
        assertThat(b.getLong("retention.generated")).isEqualTo(3);
        assertThat(b.getLong("retention.surviving")).isEqualTo(2);

        // a person trims a.txt further: the next scan shows fewer surviving lines; the curve keeps both
        repo.personTruncates("a.txt", "a", 2, "2026-01-27T09:00:00Z");
        repo.pushTo(pushUrl);
        given().post("/retention/scans").then().statusCode(200);
        JsonPath again = HistoryReplayTest.summary(specA);
        assertThat(again.getLong("retention.surviving"))
                .as("a.txt kept only a 1 and a 2, both deleted earlier")
                .isEqualTo(4);
        List<Map<String, Object>> curve = again.getList("retention.curve");
        assertThat(curve)
                .extracting(p -> p.get("generated") + "/" + p.get("surviving"))
                .containsExactly("15/10", "15/4");

        String weekly = given().get("/reports/weekly?week=2026-01-14")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(weekly).contains("| " + specA + " | 15 | 4 | 26.7% |", "| 2026-01-12 | 15 | 4 | 26.7% |");
    }

    private static TaskReady ready(String spec, String repository) {
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
                repository,
                "main",
                0,
                Map.of(),
                null);
    }
}
