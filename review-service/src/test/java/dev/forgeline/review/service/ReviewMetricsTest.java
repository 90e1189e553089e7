package dev.forgeline.review.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import dev.forgeline.contracts.MetricNames;
import dev.forgeline.testsupport.telemetry.RecordedMetrics;
import org.junit.jupiter.api.Test;

/**
 * The review service's counters and histograms, recorded into a real OpenTelemetry SDK and read back: nothing is
 * exported before an event, and each event gives a point with the declared name, unit and attributes. Covers the
 * instruments the system test's scenarios do not move (reverts, conflicts).
 */
class ReviewMetricsTest {
    @Test
    void countersExportNothingBeforeTheirFirstEventAndThenRealPointsWithTheirAttributes() {
        try (RecordedMetrics recorded = new RecordedMetrics()) {
            ReviewMetrics metrics = new ReviewMetrics(recorded.meter("review-service"));
            List<String> recordedInstruments = RecordedMetrics.eventInstruments("review");
            assertThat(recorded.collect().keySet())
                    .as("exported before any event")
                    .doesNotContainAnyElementsOf(recordedInstruments);

            metrics.triaged(2);
            metrics.merged(2, false);
            metrics.reverted("red_main");
            metrics.conflict();
            metrics.decided("REVIEW", 2, Duration.ofSeconds(3));

            recorded.assertRecordedAsDeclared(recordedInstruments);
            assertThat(recorded.attribute(MetricNames.REVIEW_REVERTS, "trigger"))
                    .containsExactly("red_main");
            assertThat(recorded.attribute(MetricNames.REVIEW_MERGES, "auto")).containsExactly("false");
        }
    }
}
