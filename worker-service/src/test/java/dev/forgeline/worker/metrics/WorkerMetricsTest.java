package dev.forgeline.worker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.MetricNames;
import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.contracts.payload.DiffStats;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TestOutcome;
import dev.forgeline.worker.attempt.RunningAttempts;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import org.junit.jupiter.api.Test;

/** The worker's instruments, recorded into a real OpenTelemetry SDK and read back. */
class WorkerMetricsTest {

    /** Reads what the SDK collected, on demand. */
    static final class CollectingReader implements MetricReader {
        private volatile CollectionRegistration registration;

        @Override
        public void register(CollectionRegistration registration) {
            this.registration = registration;
        }

        Collection<MetricData> collect() {
            return registration.collectAllMetrics();
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
    void everyWorkerInstrumentIsEmittedWithItsNameUnitAndAttributes() {
        CollectingReader reader = new CollectingReader();
        try (SdkMeterProvider provider =
                SdkMeterProvider.builder().registerMetricReader(reader).build()) {
            WorkerMetrics metrics = new WorkerMetrics(provider.get("worker-service"), new RunningAttempts());
            AgentUsage usage = new AgentUsage(
                    "sonnet",
                    "claude-code",
                    "claude-sonnet-4-5",
                    100,
                    50,
                    1000,
                    new BigDecimal("0.25"),
                    "anthropic",
                    false);
            metrics.attemptFinished(new TaskResult(
                    UUID.randomUUID(),
                    "spec",
                    "T1",
                    "node",
                    1,
                    1,
                    false,
                    FailureClass.TEST_FAILURE,
                    "tests failed",
                    "/repo",
                    "main",
                    "b",
                    "base",
                    "c",
                    DiffStats.empty(),
                    TestOutcome.notRun("true"),
                    usage,
                    3_000,
                    Instant.now(),
                    Instant.now(),
                    List.of("TEST_DISABLED: test/a_test.sh", "LINT_RELAXED: .eslintrc.json")));
            metrics.killed(WorkerMetrics.KillReason.LEASE_LOST);

            Map<String, MetricData> byName =
                    reader.collect().stream().collect(Collectors.toMap(MetricData::getName, m -> m));
            List<String> workerInstruments = MetricNames.ALL.stream()
                    .filter(i -> i.service().equals("worker"))
                    .map(MetricNames.Instrument::name)
                    .toList();
            assertThat(byName.keySet()).containsAll(workerInstruments);
            for (String name : workerInstruments) {
                MetricNames.Instrument instrument = MetricNames.instrument(name);
                assertThat(byName.get(name).getUnit()).as(name).isEqualTo(instrument.unit());
                if (instrument.kind() == MetricNames.Kind.COUNTER) {
                    // only what an event recorded: no counter is started at a made-up zero
                    assertThat(recorded(byName.get(name)))
                            .as(name)
                            .isNotEmpty()
                            .allSatisfy(
                                    point -> assertThat(value(point)).as(name).isPositive());
                }
                for (PointData point : recorded(byName.get(name))) {
                    assertThat(point.getAttributes().asMap().keySet().stream().map(AttributeKey::getKey))
                            .as(name)
                            .containsExactlyInAnyOrderElementsOf(instrument.attributes());
                }
            }
            assertThat(recorded(byName.get(MetricNames.WORKER_AGENT_COST)))
                    .singleElement()
                    .satisfies(p -> assertThat(value(p)).isEqualTo(0.25));
            assertThat(recorded(byName.get(MetricNames.WORKER_AGENT_TOKENS)))
                    .extracting(WorkerMetricsTest::value)
                    .containsExactlyInAnyOrder(100.0, 50.0, 1000.0);
            assertThat(recorded(byName.get(MetricNames.WORKER_VERIFICATION_FLAGS)))
                    .extracting(p -> p.getAttributes().get(AttributeKey.stringKey("flag")))
                    .containsExactlyInAnyOrder("TEST_DISABLED", "LINT_RELAXED");
            assertThat(recorded(byName.get(MetricNames.WORKER_KILLS)))
                    .singleElement()
                    .satisfies(p -> assertThat(p.getAttributes().get(AttributeKey.stringKey("reason")))
                            .isEqualTo("lease_lost"));
            assertThat(recorded(byName.get(MetricNames.WORKER_COMPUTE_TIME)))
                    .singleElement()
                    .satisfies(p -> assertThat(value(p)).isEqualTo(3.0));
        }
    }

    /** Every point the SDK exported for the metric. */
    private static List<PointData> recorded(MetricData metric) {
        return metric.getData().getPoints().stream().map(p -> (PointData) p).toList();
    }

    private static double value(PointData point) {
        if (point instanceof io.opentelemetry.sdk.metrics.data.LongPointData l) {
            return l.getValue();
        }
        return ((io.opentelemetry.sdk.metrics.data.DoublePointData) point).getValue();
    }
}
