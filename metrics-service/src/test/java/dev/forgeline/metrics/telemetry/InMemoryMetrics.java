package dev.forgeline.metrics.telemetry;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.metrics.ConfigurableMetricExporterProvider;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;

/**
 * A metric exporter that keeps what the OpenTelemetry SDK exports in memory ({@code quarkus.otel.metrics.exporter=
 * in-memory} in tests), so a test sees exactly what would leave the service.
 */
public class InMemoryMetrics implements ConfigurableMetricExporterProvider {
    private static final List<MetricData> EXPORTED = new ArrayList<>();

    public static synchronized List<MetricData> exported() {
        return List.copyOf(EXPORTED);
    }

    @Override
    public MetricExporter createExporter(ConfigProperties config) {
        return new MetricExporter() {
            @Override
            public CompletableResultCode export(Collection<MetricData> metrics) {
                synchronized (InMemoryMetrics.class) {
                    EXPORTED.addAll(metrics);
                }
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
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
        };
    }

    @Override
    public String getName() {
        return "in-memory";
    }
}
