package dev.forgeline.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.BudgetAlert;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A recorded event history (histories/week-2026-01-05.jsonl: every record as it travelled, with duplicate
 * deliveries and a result re-sent in a new envelope) published through the real broker; every figure is asserted
 * exactly. The history is the only one in its week, so the weekly report covers exactly it.
 */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class HistoryReplayTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final List<String> FACT_TOPICS = List.of(
            Topics.TASKS_READY,
            Topics.TASKS_LEASED,
            Topics.TASKS_LIFECYCLE,
            Topics.TASKS_RESULTS,
            Topics.REVIEW_OUTCOMES,
            Topics.DECISIONS,
            Topics.FLEET_EVENTS,
            Topics.REVIEW_BACKLOG);
    private static final ObjectMapper JSON = new ObjectMapper();
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
    void everyFigureOfARecordedWeekIsExactAndDuplicatesCountOnce() throws IOException {
        String specA = "hist-a-" + UUID.randomUUID().toString().substring(0, 8);
        String specB = "hist-b-" + UUID.randomUUID().toString().substring(0, 8);
        int published = replay("histories/week-2026-01-05.jsonl", Map.of("${specA}", specA, "${specB}", specB));
        assertThat(published).isEqualTo(49);
        ConsumedBarrier.awaitConsumed(FACT_TOPICS, WAIT);

        await().atMost(WAIT).untilAsserted(() -> {
            JsonPath a = summary(specA);
            assertThat(a.getLong("tasks")).isEqualTo(3);
            assertThat(a.getMap("tasksByState")).isEqualTo(Map.of("FAILED", 1, "MERGED", 2));
        });
        JsonPath a = summary(specA);
        assertThat(a.getLong("attempts")).isEqualTo(5);
        assertThat(a.getLong("computeMillis"))
                .as("the re-sent and the redelivered results count once")
                .isEqualTo(1_800_000 + 600_000 + 1_200_000 + 300_000 + 300_000);
        assertThat(a.getLong("linesAdded")).isEqualTo(65);
        assertThat(a.getLong("linesMerged")).isEqualTo(65);
        assertThat(a.getLong("inputTokens")).isEqualTo(5000);
        assertThat(a.getLong("outputTokens")).isEqualTo(500);
        assertThat(dec(a, "costUsd")).isEqualByComparingTo("2.534567");
        assertThat(dec(a, "velocity.computeHours")).isEqualByComparingTo("1.1667");
        assertThat(dec(a, "velocity.linesMergedPerComputeHour")).isEqualByComparingTo("55.71");
        assertThat(a.getLong("velocity.wallClockSecondsBySpec['" + specA + "']"))
                .isEqualTo(5 * 3600 + 31 * 60);
        assertThat(dec(a, "cost.byTask['" + specA + "/T1']")).isEqualByComparingTo("1.234567");
        assertThat(dec(a, "cost.byTask['" + specA + "/T2']")).isEqualByComparingTo("1.20");
        assertThat(dec(a, "cost.byTask['" + specA + "/T3']")).isEqualByComparingTo("0.10");
        assertThat(dec(a, "cost.estimatedUsd")).isEqualByComparingTo("0.80");
        assertThat(a.getLong("success.finishedTasks")).isEqualTo(3);
        assertThat(a.getLong("success.firstAttemptSuccesses")).isEqualTo(1);
        assertThat(dec(a, "success.firstAttemptSuccessRate")).isEqualByComparingTo("0.3333");
        assertThat(a.getLong("success.successesWithRetries")).isEqualTo(1);
        assertThat(dec(a, "success.successRateWithRetries")).isEqualByComparingTo("0.6667");
        assertThat(a.getMap("success.permanentFailuresByClass")).isEqualTo(Map.of("CONTEXT_EXHAUSTED", 1));
        assertThat(a.getMap("decisionLag.SPLIT"))
                .isEqualTo(Map.of("count", 1, "p50Seconds", 14400, "p95Seconds", 14400));

        JsonPath b = summary(specB);
        assertThat(b.getMap("tasksByState")).isEqualTo(Map.of("FAILED", 1, "MERGED", 1));
        assertThat(b.getLong("attempts")).isEqualTo(4);
        assertThat(b.getLong("velocity.wallClockSecondsBySpec['" + specB + "']"))
                .isEqualTo(3 * 3600 + 30 * 60);
        assertThat(b.getMap("success.retriesByClass")).isEqualTo(Map.of("ORPHANED", 1, "MERGE_CONFLICT", 1));
        assertThat(b.getLong("supervision.zombies")).isEqualTo(1);
        assertThat(b.getLong("supervision.timeouts")).isEqualTo(1);
        assertThat(dec(b, "cost.bySpec['" + specB + "']")).isEqualByComparingTo("6.00");

        // the whole week: both specs
        JsonPath week = weekly("2026-01-07");
        assertThat(week.getLong("tasks")).isEqualTo(5);
        assertThat(week.getLong("attempts")).isEqualTo(9);
        assertThat(week.getLong("computeMillis")).isEqualTo(9_300_000);
        assertThat(dec(week, "velocity.computeHours")).isEqualByComparingTo("2.5833");
        assertThat(week.getLong("linesAdded")).isEqualTo(85);
        assertThat(week.getLong("linesMerged")).isEqualTo(75);
        assertThat(dec(week, "velocity.linesMergedPerComputeHour")).isEqualByComparingTo("29.03");
        assertThat(dec(week, "costUsd")).isEqualByComparingTo("8.534567");
        assertThat(decimals(week, "cost.byProvider"))
                .isEqualTo(Map.of(
                        "anthropic",
                        new BigDecimal("8.434567"),
                        "openai",
                        new BigDecimal("0.1"),
                        "local",
                        new BigDecimal("0")));
        assertThat(decimals(week, "cost.byModel"))
                .isEqualTo(Map.of(
                        "claude-sonnet",
                        new BigDecimal("7.634567"),
                        "claude-opus",
                        new BigDecimal("0.8"),
                        "gpt-5",
                        new BigDecimal("0.1"),
                        "qwen",
                        new BigDecimal("0")));
        assertThat(decimals(week, "cost.byAgentProfile"))
                .isEqualTo(Map.of(
                        "claude-default",
                        new BigDecimal("7.634567"),
                        "claude-large",
                        new BigDecimal("0.8"),
                        "codex-default",
                        new BigDecimal("0.05"),
                        "codex-large",
                        new BigDecimal("0.05"),
                        "local-qwen",
                        new BigDecimal("0")));
        assertThat(week.getLong("success.finishedTasks")).isEqualTo(5);
        assertThat(dec(week, "success.firstAttemptSuccessRate")).isEqualByComparingTo("0.2000");
        assertThat(dec(week, "success.successRateWithRetries")).isEqualByComparingTo("0.6000");
        assertThat(week.getMap("success.permanentFailuresByClass"))
                .isEqualTo(Map.of("CONTEXT_EXHAUSTED", 1, "TIMEOUT", 1));
        assertThat(week.getMap("success.retriesByClass"))
                .isEqualTo(Map.of("TEST_FAILURE", 1, "CONTEXT_EXHAUSTED", 1, "ORPHANED", 1, "MERGE_CONFLICT", 1));
        assertThat(week.getMap("supervision.failedAttemptsByClass"))
                .isEqualTo(Map.of(
                        "CONTEXT_EXHAUSTED", 2, "MERGE_CONFLICT", 1, "ORPHANED", 1, "TEST_FAILURE", 1, "TIMEOUT", 1));
        assertThat(rates(week, "success.byHourOfDay"))
                .isEqualTo(Map.of(
                        "9",
                        "1/1 1.0000",
                        "10",
                        "1/0 0.0000",
                        "11",
                        "1/1 1.0000",
                        "12",
                        "2/0 0.0000",
                        "15",
                        "1/1 1.0000",
                        "16",
                        "2/1 0.5000"));
        assertThat(rates(week, "success.bySpecQuality"))
                .isEqualTo(Map.of("HIGHLY_SPECIFIED", "2/2 1.0000", "MODERATE", "2/1 0.5000", "VAGUE", "1/0 0.0000"));
        assertThat(week.getMap("review.levels")).isEqualTo(Map.of("0", 1, "1", 1, "2", 1));
        assertThat(week.getLong("review.merged")).isEqualTo(3);
        assertThat(week.getLong("review.autoMerged")).isEqualTo(1);
        assertThat(dec(week, "review.autoMergeShare")).isEqualByComparingTo("0.3333");
        assertThat(week.getInt("review.backlog.pendingHighRisk")).isEqualTo(3);
        assertThat(week.getInt("review.backlog.dailyCapacity")).isEqualTo(4);
        assertThat(dec(week, "review.backlog.load")).isEqualByComparingTo("0.7500");
        assertThat(week.getMap("decisionLag"))
                .isEqualTo(Map.of(
                        "SPEC_QUALITY", Map.of("count", 1, "p50Seconds", 1800, "p95Seconds", 1800),
                        "REVIEW", Map.of("count", 2, "p50Seconds", 600, "p95Seconds", 7200),
                        "REVIEW level 1", Map.of("count", 1, "p50Seconds", 600, "p95Seconds", 600),
                        "REVIEW level 2", Map.of("count", 1, "p50Seconds", 7200, "p95Seconds", 7200),
                        "REQUEST_CHANGES", Map.of("count", 1, "p50Seconds", 600, "p95Seconds", 600),
                        "SPLIT", Map.of("count", 1, "p50Seconds", 14400, "p95Seconds", 14400)));
        assertThat(week.getList("supervision.breakers")).hasSize(1);
        assertThat(week.getString("supervision.breakers[0].state")).isEqualTo("HALF_OPEN");
        assertThat(week.getInt("supervision.breakers[0].openings"))
                .as("the redelivered opening counts once")
                .isEqualTo(1);

        // the day's spending crossed 80% of the daily budget (10.00) once, despite the duplicates
        List<Envelope> dayAlerts = kafka.await(
                Topics.BUDGET_ALERTS,
                e -> "DAY".equals(e.payloadAs(BudgetAlert.class).scope())
                        && LocalDate.parse("2026-01-06")
                                .equals(e.payloadAs(BudgetAlert.class).day()),
                1,
                WAIT);
        BudgetAlert dayAlert = dayAlerts.get(0).payloadAs(BudgetAlert.class);
        assertThat(dayAlert.thresholdPercent()).isEqualTo(80);
        assertThat(dayAlert.budgetUsd()).isEqualByComparingTo("10.00");
        assertThat(dayAlert.spentUsd()).isBetween(new BigDecimal("8.00"), new BigDecimal("8.534567"));
        assertThat(kafka.readAll(Topics.BUDGET_ALERTS, Duration.ofSeconds(2)).stream()
                        .filter(e -> e.eventType() == EventType.BUDGET_ALERT)
                        .map(e -> e.payloadAs(BudgetAlert.class))
                        .filter(alert -> LocalDate.parse("2026-01-06").equals(alert.day())))
                .as("one alert per threshold reached, no 100%% alert")
                .hasSize(1);

        // the same figures as Markdown tables
        String report = given().get("/reports/weekly?week=2026-01-05")
                .then()
                .statusCode(200)
                .contentType("text/markdown")
                .extract()
                .asString();
        assertThat(report)
                .contains(
                        "# Forgeline weekly report, week of 2026-01-05",
                        "## Build velocity",
                        "| agent compute hours | 2.5833 |",
                        "| lines merged per agent compute hour | 29.03 |",
                        "## Failure taxonomy",
                        "| first-attempt success | 1 (20.0%) |",
                        "| success with retries | 3 (60.0%) |",
                        "| CONTEXT_EXHAUSTED | 2 | 1 | 1 |",
                        "| TIMEOUT | 1 | 0 | 1 |",
                        "## Cost by provider",
                        "| anthropic | 8.434567 |",
                        "| openai | 0.1 |",
                        "## Success by hour",
                        "| 16 | 2 | 1 | 50.0% |",
                        "## Success by spec class",
                        "| HIGHLY_SPECIFIED | 2 | 2 | 100.0% |",
                        "| VAGUE | 1 | 0 | 0.0% |",
                        "## Review levels",
                        "| 2 | 1 |",
                        "Auto-merged 1 of 3 merged (33.3%)",
                        "| REVIEW | 2 | 10m 00s | 2h 00m 00s |",
                        "| DAY 2026-01-06 | 8.534567 | 10.00 | 85.3% |",
                        "## Retention");
        String specReport = given().get("/reports/specs/{id}", specB)
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(specReport)
                .contains("# Forgeline report, spec " + specB, "| ORPHANED | 1 | 1 | 0 |", "| local | 0 |");
    }

    @Test
    void unknownSpecsAndBadWeeksAreProblems() {
        given().get("/reports/specs/{id}", "never-seen-" + UUID.randomUUID())
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        given().get("/reports/weekly?week=last-tuesday")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("detail", org.hamcrest.Matchers.containsString("week"));
        given().get("/metrics/summary?week=2026-13-40")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", org.hamcrest.Matchers.equalTo("week"));
        given().get("/metrics/summary?week=2026-01-05&specId=x")
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
    }

    private static int replay(String resource, Map<String, String> placeholders) throws IOException {
        String text;
        try (InputStream in = HistoryReplayTest.class.getClassLoader().getResourceAsStream(resource)) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (var p : placeholders.entrySet()) {
            text = text.replace(p.getKey(), p.getValue());
        }
        int count = 0;
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode record = JSON.readTree(line);
            kafka.publishRaw(
                    record.get("topic").asText(),
                    record.get("key").asText(),
                    JSON.writeValueAsString(record.get("envelope")));
            count++;
        }
        return count;
    }

    static JsonPath summary(String spec) {
        return given().get("/metrics/summary?specId={spec}", spec)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .using(JsonPathConfig.jsonPathConfig().numberReturnType(JsonPathConfig.NumberReturnType.BIG_DECIMAL));
    }

    private static JsonPath weekly(String day) {
        return given().get("/metrics/summary?week={day}", day)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .using(JsonPathConfig.jsonPathConfig().numberReturnType(JsonPathConfig.NumberReturnType.BIG_DECIMAL));
    }

    static BigDecimal dec(JsonPath json, String path) {
        return new BigDecimal(json.getString(path));
    }

    private static Map<String, BigDecimal> decimals(JsonPath json, String path) {
        Map<String, Object> raw = json.getMap(path);
        Map<String, BigDecimal> out = new java.util.HashMap<>();
        raw.forEach((k, v) -> out.put(k, new BigDecimal(v.toString())));
        return out;
    }

    private static Map<String, String> rates(JsonPath json, String path) {
        Map<String, Map<String, Object>> raw = json.getMap(path);
        Map<String, String> out = new java.util.HashMap<>();
        raw.forEach((k, v) -> out.put(k, v.get("total") + "/" + v.get("succeeded") + " " + v.get("rate")));
        return out;
    }
}
