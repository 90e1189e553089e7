package dev.forgeline.dispatcher.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.MetricNames;
import dev.forgeline.testsupport.telemetry.RecordedMetrics;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher service's counters and histograms, recorded into a real OpenTelemetry SDK and read back: nothing is
 * exported before an event, and each event gives a point with the declared name, unit and attributes. Covers the
 * instruments the system test's scenarios do not move (stale events, timeouts, retries, failures).
 */
class DispatcherMetricsTest {
    @Test
    void countersExportNothingBeforeTheirFirstEventAndThenRealPointsWithTheirAttributes() {
        try (RecordedMetrics recorded = new RecordedMetrics()) {
            DispatcherMetrics metrics = new DispatcherMetrics(recorded.meter("dispatcher-service"));
            List<String> recordedInstruments = RecordedMetrics.eventInstruments("dispatcher");
            assertThat(recorded.collect().keySet())
                    .as("exported before any event")
                    .doesNotContainAnyElementsOf(recordedInstruments);

            metrics.leasesGranted(3);
            metrics.heartbeat("attempt");
            metrics.stale("heartbeat");
            metrics.timeout("start_to_close", 2);
            metrics.timeout("sweeper", 0); // nothing swept: no point
            metrics.retry(FailureClass.TIMEOUT);
            metrics.failure(FailureClass.ORPHANED, true);
            metrics.scheduleToStart(1.5);

            recorded.assertRecordedAsDeclared(recordedInstruments);
            assertThat(recorded.attribute(MetricNames.DISPATCHER_TIMEOUTS, "kind"))
                    .containsExactly("start_to_close");
            assertThat(recorded.attribute(MetricNames.DISPATCHER_FAILURES, "permanent"))
                    .containsExactly("true");
            assertThat(recorded.attribute(MetricNames.DISPATCHER_RETRIES, "failure_class"))
                    .containsExactly("TIMEOUT");
            assertThat(recorded.attribute(MetricNames.DISPATCHER_STALE_EVENTS, "kind"))
                    .containsExactly("heartbeat");
        }
    }
}
