package dev.forgeline.testsupport.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.forgeline.contracts.MetricNames;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.metrics.Meter;
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

/**
 * A real OpenTelemetry SDK whose recordings a test reads back on demand: what a service's metrics class records,
 * with the names, units and attributes {@link MetricNames} declares.
 */
public final class RecordedMetrics implements AutoCloseable {
    private final CollectingReader reader = new CollectingReader();
    private final SdkMeterProvider provider =
            SdkMeterProvider.builder().registerMetricReader(reader).build();

    public Meter meter(String scope) {
        return provider.get(scope);
    }

    /** Everything recorded so far, by instrument name. */
    public Map<String, MetricData> collect() {
        return reader.registration.collectAllMetrics().stream().collect(Collectors.toMap(MetricData::getName, m -> m));
    }

    /** The counters and histograms a service owns: they have points only once something happened. */
    public static List<String> eventInstruments(String service) {
        return MetricNames.ALL.stream()
                .filter(i -> i.service().equals(service))
                .filter(i -> i.kind() == MetricNames.Kind.COUNTER || i.kind() == MetricNames.Kind.HISTOGRAM)
                .map(MetricNames.Instrument::name)
                .toList();
    }

    /** Each named instrument was recorded with its declared unit and attributes, every point above zero. */
    public void assertRecordedAsDeclared(List<String> names) {
        Map<String, MetricData> byName = collect();
        for (String name : names) {
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
    }

    /** The values one attribute takes across an instrument's points. */
    public List<String> attribute(String instrument, String key) {
        MetricData metric = collect().get(instrument);
        assertThat(metric).as(instrument).isNotNull();
        return metric.getData().getPoints().stream()
                .map(p -> p.getAttributes().asMap().entrySet().stream()
                        .filter(e -> e.getKey().getKey().equals(key))
                        .map(e -> String.valueOf(e.getValue()))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no attribute " + key + " on " + p)))
                .toList();
    }

    /** A counter's value, or a histogram's count of recordings. */
    public static double value(PointData point) {
        if (point instanceof LongPointData l) {
            return l.getValue();
        }
        if (point instanceof HistogramPointData h) {
            return h.getCount();
        }
        return ((DoublePointData) point).getValue();
    }

    @Override
    public void close() {
        provider.close();
    }

    /** Reads what the SDK collected, on demand. */
    private static final class CollectingReader implements MetricReader {
        private volatile CollectionRegistration registration;

        @Override
        public void register(CollectionRegistration registration) {
            this.registration = registration;
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
}
