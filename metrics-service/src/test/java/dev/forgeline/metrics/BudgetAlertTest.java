package dev.forgeline.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.contracts.payload.BudgetAlert;
import dev.forgeline.contracts.payload.DiffStats;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TestOutcome;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The spec "budget-capped-spec" has a 1.00 USD budget (test configuration); its alerts go out once each. */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class BudgetAlertTest {
    private static final String SPEC = "budget-capped-spec";
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
    void spendingAnnouncesEightyAndOneHundredPercentOfTheSpecBudgetOnceEach() {
        publish(1, "0.50");
        ConsumedBarrier.awaitConsumed(List.of(Topics.TASKS_RESULTS), WAIT);
        assertThat(alerts()).as("50% crosses no threshold").isEmpty();

        publish(2, "0.30");
        publish(2, "0.30"); // the same attempt's result re-sent: counted once, announced once
        publish(3, "0.25");
        ConsumedBarrier.awaitConsumed(List.of(Topics.TASKS_RESULTS), WAIT);

        List<BudgetAlert> alerts = kafka
                .await(
                        Topics.BUDGET_ALERTS,
                        e -> e.eventType() == EventType.BUDGET_ALERT && SPEC.equals(e.specId()),
                        2,
                        WAIT)
                .stream()
                .map(e -> e.payloadAs(BudgetAlert.class))
                .toList();
        assertThat(alerts)
                .extracting(BudgetAlert::scope, BudgetAlert::thresholdPercent)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("SPEC", 80),
                        org.assertj.core.groups.Tuple.tuple("SPEC", 100));
        assertThat(alerts.get(0).spentUsd()).isEqualByComparingTo("0.80");
        assertThat(alerts.get(1).spentUsd()).isEqualByComparingTo("1.05");
        assertThat(alerts).allSatisfy(a -> assertThat(a.budgetUsd()).isEqualByComparingTo("1.00"));
        assertThat(alerts()).as("no alert twice").hasSize(2);

        JsonPath summary = HistoryReplayTest.summary(SPEC);
        assertThat(HistoryReplayTest.dec(summary, "costUsd")).isEqualByComparingTo("1.05");
        assertThat(summary.getString("cost.budgets.find { it.scope == 'SPEC' }.key"))
                .isEqualTo(SPEC);
        assertThat(HistoryReplayTest.dec(summary, "cost.budgets.find { it.scope == 'SPEC' }.used"))
                .isEqualByComparingTo("1.05");
        String report = given().get("/reports/specs/{id}", SPEC)
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(report).contains("| SPEC " + SPEC + " | 1.05 | 1.00 | 105.0% |");
    }

    private static List<BudgetAlert> alerts() {
        return kafka.readAll(Topics.BUDGET_ALERTS, Duration.ofSeconds(2)).stream()
                .filter(e -> e.eventType() == EventType.BUDGET_ALERT && SPEC.equals(e.specId()))
                .map(e -> e.payloadAs(BudgetAlert.class))
                .toList();
    }

    private static void publish(int attempt, String cost) {
        Instant now = Instant.now();
        kafka.publish(
                EventType.TASK_RESULT,
                SPEC,
                "T1",
                SPEC + "/T1",
                new TaskResult(
                        UUID.randomUUID(),
                        SPEC,
                        "T1",
                        "node-a",
                        attempt,
                        attempt,
                        false,
                        FailureClass.TEST_FAILURE,
                        "1 failed",
                        "/repo",
                        "main",
                        "b",
                        "base",
                        null,
                        DiffStats.empty(),
                        new TestOutcome("sh test.sh", true, false, 1, 10, ""),
                        new AgentUsage("default", "command", "m", 10, 1, 0, new BigDecimal(cost), "anthropic", false),
                        1000,
                        now.minusSeconds(1),
                        now));
    }
}
