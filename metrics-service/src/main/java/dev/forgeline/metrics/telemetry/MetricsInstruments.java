package dev.forgeline.metrics.telemetry;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.forgeline.contracts.MetricNames;
import dev.forgeline.contracts.MetricNames.Instrument;
import dev.forgeline.metrics.service.Figures;
import dev.forgeline.metrics.service.Figures.BudgetUse;
import dev.forgeline.metrics.service.FiguresService;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleGauge;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import org.jboss.logging.Logger;

/**
 * The metrics service's own OpenTelemetry instruments (MetricNames, service "metrics"): cost per spec, budget use,
 * retention per spec and the success rates. They are observable gauges read from figures refreshed on a schedule,
 * so an export never waits for the database.
 */
@ApplicationScoped
public class MetricsInstruments {
    private static final Logger LOG = Logger.getLogger(MetricsInstruments.class);
    static final AttributeKey<String> SPEC_ID = AttributeKey.stringKey("spec_id");
    static final AttributeKey<String> SCOPE = AttributeKey.stringKey("scope");
    static final AttributeKey<String> KIND = AttributeKey.stringKey("kind");

    private final Meter meter;
    private final FiguresService figures;
    private final AtomicReference<Figures> latest = new AtomicReference<>();
    private final List<ObservableDoubleGauge> gauges = new ArrayList<>();

    public MetricsInstruments(Meter meter, FiguresService figures) {
        this.meter = meter;
        this.figures = figures;
    }

    void onStart(@Observes StartupEvent event) {
        gauges.add(gauge(
                MetricNames.METRICS_COST_SPEC,
                m -> current()
                        .ifPresent(f -> f.cost()
                                .bySpec()
                                .forEach((spec, cost) -> m.record(cost.doubleValue(), Attributes.of(SPEC_ID, spec))))));
        gauges.add(gauge(
                MetricNames.METRICS_BUDGET_USED,
                m -> current().ifPresent(f -> {
                    for (BudgetUse use : f.cost().budgets()) {
                        // a day budget has no spec: its spec_id is the day it applies to
                        m.record(use.used().doubleValue(), Attributes.of(SCOPE, use.scope(), SPEC_ID, use.key()));
                    }
                })));
        gauges.add(gauge(
                MetricNames.METRICS_RETENTION,
                m -> current()
                        .ifPresent(f -> f.retention().bySpec().forEach((spec, point) -> {
                            if (point.ratio() != null) {
                                m.record(point.ratio().doubleValue(), Attributes.of(SPEC_ID, spec));
                            }
                        }))));
        gauges.add(gauge(
                MetricNames.METRICS_SUCCESS_RATE,
                m -> current().ifPresent(f -> {
                    record(m, f.success().firstAttemptSuccessRate(), "first_attempt");
                    record(m, f.success().successRateWithRetries(), "with_retries");
                })));
    }

    void onStop(@Observes ShutdownEvent event) {
        gauges.forEach(ObservableDoubleGauge::close);
    }

    /** Recomputes the figures the gauges report. */
    @Scheduled(every = "${forgeline.metrics.gauge-refresh}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void refresh() {
        try {
            // the scrape is the fleet's: every project
            latest.set(figures.forSpec(Optional.empty(), null));
        } catch (RuntimeException e) {
            LOG.warnf("could not refresh the exported figures: %s", e.getMessage());
        }
    }

    private Optional<Figures> current() {
        return Optional.ofNullable(latest.get());
    }

    private ObservableDoubleGauge gauge(String name, Consumer<ObservableDoubleMeasurement> callback) {
        Instrument instrument = MetricNames.instrument(name);
        return meter.gaugeBuilder(instrument.name())
                .setUnit(instrument.unit())
                .setDescription(instrument.description())
                .buildWithCallback(callback);
    }

    private static void record(ObservableDoubleMeasurement m, BigDecimal rate, String kind) {
        if (rate != null) {
            m.record(rate.doubleValue(), Attributes.of(KIND, kind));
        }
    }
}
