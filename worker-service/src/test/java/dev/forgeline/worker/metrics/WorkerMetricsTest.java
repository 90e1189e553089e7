package dev.forgeline.worker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.MetricNames;
import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.contracts.payload.DiffStats;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TestOutcome;
import dev.forgeline.worker.service.RunningAttempts;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
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
        try (SdkMeterProvider provider = SdkMeterProvider.builder().registerMetricReader(reader).build()) {
            WorkerMetrics metrics = new WorkerMetrics(provider.get("worker-service"), new RunningAttempts());
            AgentUsage usage = new AgentUsage("sonnet", "claude-code", "claude-sonnet-4-5", 100, 50, 1000,
                    new BigDecimal("0.25"), "anthropic", false);
            metrics.attemptFinished(new TaskResult(UUID.randomUUID(), "spec", "T1", "node", 1, 1, false,
                    FailureClass.TEST_FAILURE, "tests failed", "/repo", "main", "b", "base", "c", DiffStats.empty(),
                    TestOutcome.notRun("true"), usage, 3_000, Instant.now(), Instant.now(),
                    List.of("TEST_DISABLED: test/a_test.sh", "LINT_RELAXED: .eslintrc.json")));
            metrics.killed(WorkerMetrics.KillReason.LEASE_LOST);

            Map<String, MetricData> byName = reader.collect().stream()
                    .collect(Collectors.toMap(MetricData::getName, m -> m));
            List<String> workerInstruments = MetricNames.ALL.stream().filter(i -> i.service().equals("worker"))
                    .map(MetricNames.Instrument::name).toList();
            assertThat(byName.keySet()).containsAll(workerInstruments);
            for (String name : workerInstruments) {
                assertThat(byName.get(name).getUnit()).as(name).isEqualTo(MetricNames.instrument(name).unit());
                for (PointData point : byName.get(name).getData().getPoints()) {
                    assertThat(point.getAttributes().asMap().keySet().stream().map(AttributeKey::getKey))
                            .as(name).containsExactlyInAnyOrderElementsOf(MetricNames.instrument(name).attributes());
                }
            }
            assertThat(byName.get(MetricNames.WORKER_AGENT_COST).getDoubleSumData().getPoints())
                    .singleElement().satisfies(p -> assertThat(p.getValue()).isEqualTo(0.25));
            assertThat(byName.get(MetricNames.WORKER_AGENT_TOKENS).getLongSumData().getPoints())
                    .extracting(p -> p.getValue()).containsExactlyInAnyOrder(100L, 50L, 1000L);
            assertThat(byName.get(MetricNames.WORKER_VERIFICATION_FLAGS).getLongSumData().getPoints())
                    .extracting(p -> p.getAttributes().get(AttributeKey.stringKey("flag")))
                    .containsExactlyInAnyOrder("TEST_DISABLED", "LINT_RELAXED");
            assertThat(byName.get(MetricNames.WORKER_KILLS).getLongSumData().getPoints()).singleElement()
                    .satisfies(p -> assertThat(p.getAttributes().get(AttributeKey.stringKey("reason"))).isEqualTo("lease_lost"));
            assertThat(byName.get(MetricNames.WORKER_COMPUTE_TIME).getDoubleSumData().getPoints()).singleElement()
                    .satisfies(p -> assertThat(p.getValue()).isEqualTo(3.0));
        }
    }
}
