package dev.forgeline.metrics.telemetry;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.MetricNames;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.contracts.payload.DiffStats;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TestOutcome;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The metrics service's own instruments, as the OpenTelemetry SDK exports them. */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class OwnInstrumentsTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void everyInstrumentOfTheMetricsServiceIsExportedWithItsNameUnitAndAttributes() throws Exception {
        String spec = "otel-" + UUID.randomUUID().toString().substring(0, 8);
        Path repository = taskRepository(spec);
        try (TestKafka kafka = TestKafka.forApplication()) {
            kafka.publish(
                    EventType.TASK_READY,
                    spec,
                    "T1",
                    spec + "/T1",
                    new TaskReady(
                            spec,
                            "demo",
                            "T1",
                            "T",
                            "D",
                            List.of(),
                            "sh test.sh",
                            60,
                            List.of(),
                            repository.toString(),
                            "main",
                            0,
                            Map.of(),
                            null));
            Instant now = Instant.now();
            kafka.publish(
                    EventType.TASK_RESULT,
                    spec,
                    "T1",
                    spec + "/T1",
                    new TaskResult(
                            UUID.randomUUID(),
                            spec,
                            "T1",
                            "node-a",
                            1,
                            1,
                            true,
                            null,
                            null,
                            repository.toString(),
                            "main",
                            "b",
                            "base",
                            "head",
                            new DiffStats(1, 3, 0, List.of("x.txt")),
                            new TestOutcome("sh test.sh", true, true, 0, 1, ""),
                            new AgentUsage(
                                    "default", "command", "m", 10, 1, 0, new BigDecimal("0.125"), "anthropic", false),
                            1000,
                            now.minusSeconds(1),
                            now));
            kafka.publish(
                    EventType.REVIEW_OUTCOME,
                    spec,
                    "T1",
                    spec + "/T1",
                    new ReviewOutcome(
                            spec, "T1", 1, 1, TaskState.MERGED, 0, List.of(), repository.toString(), "b", "m", 3));
        }
        await().atMost(WAIT)
                .untilAsserted(() -> given().get("/metrics/summary?specId={s}", spec)
                        .then()
                        .body("tasksByState.MERGED", org.hamcrest.Matchers.equalTo(1)));
        given().post("/retention/scans").then().statusCode(200);

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(point(MetricNames.METRICS_COST_SPEC, "spec_id", spec))
                    .hasValueSatisfying(p -> assertThat(p.getValue()).isEqualTo(0.125));
            assertThat(point(MetricNames.METRICS_BUDGET_USED, "spec_id", spec)).hasValueSatisfying(p -> {
                assertThat(p.getAttributes().get(AttributeKey.stringKey("scope")))
                        .isEqualTo("SPEC");
                assertThat(p.getValue()).isEqualTo(0.000125); // of the 1000 USD default budget of the tests
            });
            assertThat(point(MetricNames.METRICS_RETENTION, "spec_id", spec))
                    .hasValueSatisfying(p -> assertThat(p.getValue()).isEqualTo(1.0));
            assertThat(point(MetricNames.METRICS_SUCCESS_RATE, "kind", "first_attempt"))
                    .isPresent();
            assertThat(point(MetricNames.METRICS_SUCCESS_RATE, "kind", "with_retries"))
                    .isPresent();
        });
        for (MetricNames.Instrument instrument : MetricNames.ALL) {
            if (instrument.service().equals("metrics")) {
                MetricData data = latest(instrument.name()).orElseThrow();
                assertThat(data.getUnit()).as(instrument.name()).isEqualTo(instrument.unit());
                assertThat(data.getDoubleGaugeData().getPoints())
                        .allSatisfy(p -> assertThat(p.getAttributes().asMap().keySet().stream()
                                        .map(AttributeKey::getKey)
                                        .toList())
                                .containsExactlyInAnyOrderElementsOf(instrument.attributes()));
            }
        }
    }

    private static Optional<MetricData> latest(String name) {
        List<MetricData> all = InMemoryMetrics.exported();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).getName().equals(name)) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }

    private static Optional<DoublePointData> point(String name, String attribute, String value) {
        return latest(name)
                .flatMap(m -> m.getDoubleGaugeData().getPoints().stream()
                        .filter(p -> value.equals(p.getAttributes().get(AttributeKey.stringKey(attribute))))
                        .findFirst());
    }

    /** A repository whose main holds one task commit of 3 lines, all surviving. */
    private static Path taskRepository(String spec) throws Exception {
        Path dir = Files.createTempDirectory("otel-retention");
        git(dir, "init", "-q", "-b", "main");
        Files.writeString(dir.resolve("x.txt"), "1\n2\n3\n", StandardCharsets.UTF_8);
        git(dir, "add", "-A");
        git(dir, "commit", "-q", "-m", "T1: x\n\nForgeline-Task: " + spec + "/T1");
        return dir;
    }

    private static void git(Path dir, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(
                "git", "-c", "user.name=Test", "-c", "user.email=test@localhost", "-c", "commit.gpgsign=false"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("GIT_COMMITTER_DATE", "2025-06-03T10:00:00Z");
        pb.environment().put("GIT_AUTHOR_DATE", "2025-06-03T10:00:00Z");
        Process process = pb.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
    }
}
