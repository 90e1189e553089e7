package dev.forgeline.dispatcher.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.MetricNames;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher service's counters and histograms, recorded into a real OpenTelemetry SDK and read back: nothing is
 * exported before an event, and each event gives a point with the declared name, unit and attributes. Covers the
 * instruments the system test's scenarios do not move (stale events, timeouts, retries, failures).
 */
class DispatcherMetricsTest {
    /** Reads what the SDK collected, on demand. */
    static final class CollectingReader implements MetricReader {
        private volatile CollectionRegistration registration;

        @Override
        public void register(CollectionRegistration registration) {
            this.registration = registration;
        }

        Map<String, MetricData> collect() {
            Collection<MetricData> all = registration.collectAllMetrics();
            return all.stream().collect(Collectors.toMap(MetricData::getName, m -> m));
        }

        @Override
        public CompletableResultCode forceFlush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
            return AggregationTemporality.CUMULATIVE;
        }
    }

    @Test
    void countersExportNothingBeforeTheirFirstEventAndThenRealPointsWithTheirAttributes() {
        CollectingReader reader = new CollectingReader();
        try (SdkMeterProvider provider =
                SdkMeterProvider.builder().registerMetricReader(reader).build()) {
            DispatcherMetrics metrics = new DispatcherMetrics(provider.get("dispatcher-service"));
            List<String> recordedInstruments = MetricNames.ALL.stream()
                    .filter(i -> i.service().equals("dispatcher"))
                    .filter(i -> i.kind() == MetricNames.Kind.COUNTER || i.kind() == MetricNames.Kind.HISTOGRAM)
                    .map(MetricNames.Instrument::name)
                    .toList();
            assertThat(reader.collect().keySet())
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

            Map<String, MetricData> byName = reader.collect();
            for (String name : recordedInstruments) {
                MetricNames.Instrument instrument = MetricNames.instrument(name);
                MetricData data = byName.get(name);
                assertThat(data).as(name).isNotNull();
                assertThat(data.getUnit()).as(name).isEqualTo(instrument.unit());
                assertThat(data.getData().getPoints()).as(name).isNotEmpty().allSatisfy(point -> {
                    assertThat(point.getAttributes().asMap().keySet().stream().map(AttributeKey::getKey))
                            .as(name)
                            .containsExactlyInAnyOrderElementsOf(instrument.attributes());
                    assertThat(value(point)).as(name).isPositive();
                });
            }
            assertThat(attribute(byName.get(MetricNames.DISPATCHER_TIMEOUTS), "kind"))
                    .containsExactly("start_to_close");
            assertThat(attribute(byName.get(MetricNames.DISPATCHER_FAILURES), "permanent"))
                    .containsExactly("true");
            assertThat(attribute(byName.get(MetricNames.DISPATCHER_RETRIES), "failure_class"))
                    .containsExactly("TIMEOUT");
            assertThat(attribute(byName.get(MetricNames.DISPATCHER_STALE_EVENTS), "kind"))
                    .containsExactly("heartbeat");
        }
    }

    private static List<String> attribute(MetricData metric, String key) {
        return metric.getData().getPoints().stream()
                .map(p -> String.valueOf(p.getAttributes().asMap().get(attributeKey(p, key))))
                .toList();
    }

    private static AttributeKey<?> attributeKey(PointData point, String key) {
        return point.getAttributes().asMap().keySet().stream()
                .filter(k -> k.getKey().equals(key))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no attribute " + key + " on " + point));
    }

    /** A counter's value, or a histogram's count of recordings. */
    private static double value(PointData point) {
        if (point instanceof LongPointData l) {
            return l.getValue();
        }
        if (point instanceof HistogramPointData h) {
            return h.getCount();
        }
        return ((DoublePointData) point).getValue();
    }
}
