package dev.forgeline.planner.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

import dev.forgeline.contracts.DecisionKind;
import dev.forgeline.contracts.MetricNames;
import dev.forgeline.contracts.ProposalOrigin;
import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.testsupport.telemetry.RecordedMetrics;
import org.junit.jupiter.api.Test;

/**
 * The planner service's counters and histograms, recorded into a real OpenTelemetry SDK and read back: nothing is
 * exported before an event, and each event gives a point with the declared name, unit and attributes. Covers the
 * instruments the system test's scenarios do not move (LLM tokens and cost, proposals).
 */
class PlannerMetricsTest {
    @Test
    void countersExportNothingBeforeTheirFirstEventAndThenRealPointsWithTheirAttributes() {
        try (RecordedMetrics recorded = new RecordedMetrics()) {
            // the data source only feeds the pending-decisions gauge
            PlannerMetrics metrics = new PlannerMetrics(recorded.meter("planner-service"), null);
            List<String> recordedInstruments = RecordedMetrics.eventInstruments("planner");
            assertThat(recorded.collect().keySet())
                    .as("exported before any event")
                    .doesNotContainAnyElementsOf(recordedInstruments);

            metrics.specAccepted("markdown");
            metrics.taskPlanned(SpecQuality.VAGUE);
            metrics.decisionMade(DecisionKind.SPLIT, Duration.ofSeconds(2));
            metrics.llmUsed("anthropic", "claude-sonnet-4-5", 120, 30, new BigDecimal("0.002"));
            metrics.proposal(ProposalOrigin.REVERT_FIX, "accepted");

            recorded.assertRecordedAsDeclared(recordedInstruments);
            assertThat(recorded.attribute(MetricNames.PLANNER_LLM_TOKENS, "direction"))
                    .containsExactlyInAnyOrder("input", "output");
            assertThat(recorded.attribute(MetricNames.PLANNER_PROPOSALS, "origin"))
                    .containsExactly("REVERT_FIX");
        }
    }
}
