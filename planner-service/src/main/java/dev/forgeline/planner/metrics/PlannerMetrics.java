package dev.forgeline.planner.metrics;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.DecisionKind;
import dev.forgeline.contracts.MetricNames;
import dev.forgeline.contracts.ProposalOrigin;
import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.planner.repository.DecisionRepository;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleCounter;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import org.jboss.logging.Logger;

/**
 * The planner's OpenTelemetry instruments, named as in {@link MetricNames}. The pending-decisions gauge reads
 * a count the refresher copies out of the database every few seconds, so an export never waits for a query.
 */
@ApplicationScoped
public class PlannerMetrics {
    private static final Logger LOG = Logger.getLogger(PlannerMetrics.class);
    static final AttributeKey<String> FORMAT = AttributeKey.stringKey("format");
    static final AttributeKey<String> QUALITY_CLASS = AttributeKey.stringKey("quality_class");
    static final AttributeKey<String> KIND = AttributeKey.stringKey("kind");
    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("provider");
    static final AttributeKey<String> MODEL = AttributeKey.stringKey("model");
    static final AttributeKey<String> DIRECTION = AttributeKey.stringKey("direction");
    static final AttributeKey<String> ORIGIN = AttributeKey.stringKey("origin");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");

    private final DecisionRepository decisions;
    private final LongCounter specs;
    private final LongCounter tasks;
    private final DoubleHistogram decisionLag;
    private final LongCounter llmTokens;
    private final DoubleCounter llmCost;
    private final LongCounter proposals;
    private final Map<String, Long> pending = new ConcurrentHashMap<>();

    public PlannerMetrics(Meter meter, DecisionRepository decisions) {
        this.decisions = decisions;
        specs = counter(meter, MetricNames.PLANNER_SPECS);
        tasks = counter(meter, MetricNames.PLANNER_TASKS);
        llmTokens = counter(meter, MetricNames.PLANNER_LLM_TOKENS);
        proposals = counter(meter, MetricNames.PLANNER_PROPOSALS);
        MetricNames.Instrument cost = MetricNames.instrument(MetricNames.PLANNER_LLM_COST);
        llmCost = meter.counterBuilder(cost.name())
                .ofDoubles()
                .setUnit(cost.unit())
                .setDescription(cost.description())
                .build();
        MetricNames.Instrument lag = MetricNames.instrument(MetricNames.PLANNER_DECISION_LAG);
        decisionLag = meter.histogramBuilder(lag.name())
                .setUnit(lag.unit())
                .setDescription(lag.description())
                .build();
        MetricNames.Instrument gauge = MetricNames.instrument(MetricNames.PLANNER_DECISIONS_PENDING);
        meter.gaugeBuilder(gauge.name())
                .setUnit(gauge.unit())
                .setDescription(gauge.description())
                .ofLongs()
                .buildWithCallback(m -> pending.forEach((kind, n) -> m.record(n, Attributes.of(KIND, kind))));
    }

    private static LongCounter counter(Meter meter, String name) {
        MetricNames.Instrument instrument = MetricNames.instrument(name);
        return meter.counterBuilder(instrument.name())
                .setUnit(instrument.unit())
                .setDescription(instrument.description())
                .build();
    }

    public void specAccepted(String format) {
        specs.add(1, Attributes.of(FORMAT, format));
    }

    public void taskPlanned(SpecQuality quality) {
        tasks.add(1, Attributes.of(QUALITY_CLASS, quality == null ? "none" : quality.name()));
    }

    public void decisionMade(DecisionKind kind, Duration lag) {
        decisionLag.record(lag.toMillis() / 1000.0, Attributes.of(KIND, kind.name()));
    }

    public void llmUsed(String provider, String model, long inputTokens, long outputTokens, BigDecimal costUsd) {
        llmTokens.add(inputTokens, Attributes.of(PROVIDER, provider, MODEL, model, DIRECTION, "input"));
        llmTokens.add(outputTokens, Attributes.of(PROVIDER, provider, MODEL, model, DIRECTION, "output"));
        llmCost.add(costUsd.doubleValue(), Attributes.of(PROVIDER, provider, MODEL, model));
    }

    public void proposal(ProposalOrigin origin, String outcome) {
        proposals.add(1, Attributes.of(ORIGIN, origin == null ? "none" : origin.name(), OUTCOME, outcome));
    }

    /** Copies the open decisions per kind out of the database for the gauge. */
    @Scheduled(every = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refreshPending() {
        Map<String, Long> counts = new ConcurrentHashMap<>();
        for (DecisionKind kind : DecisionKind.values()) {
            counts.put(kind.name(), 0L);
        }
        try {
            counts.putAll(QuarkusTransaction.requiringNew().call(decisions::openCountsByKind));
            pending.putAll(counts);
        } catch (RuntimeException e) {
            LOG.debugf("pending decisions not refreshed: %s", e.getMessage());
        }
    }
}
