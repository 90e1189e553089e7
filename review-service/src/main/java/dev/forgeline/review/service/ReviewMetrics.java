package dev.forgeline.review.service;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.MetricNames;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;

/** The review service's instruments, named and shaped as in {@link MetricNames}. */
@ApplicationScoped
public class ReviewMetrics {
    private static final AttributeKey<String> LEVEL = AttributeKey.stringKey("level");
    private static final AttributeKey<String> AUTO = AttributeKey.stringKey("auto");
    private static final AttributeKey<String> TRIGGER = AttributeKey.stringKey("trigger");
    private static final AttributeKey<String> KIND = AttributeKey.stringKey("kind");

    private final LongCounter triaged;
    private final LongCounter merges;
    private final LongCounter reverts;
    private final LongCounter conflicts;
    private final DoubleHistogram decisionLag;
    /** pending reviews per level, as last counted by the backlog */
    private final Map<Integer, Integer> backlog = new ConcurrentHashMap<>();

    public ReviewMetrics(Meter meter) {
        triaged = counter(meter, MetricNames.REVIEW_TRIAGED);
        merges = counter(meter, MetricNames.REVIEW_MERGES);
        reverts = counter(meter, MetricNames.REVIEW_REVERTS);
        conflicts = counter(meter, MetricNames.REVIEW_CONFLICTS);
        MetricNames.Instrument lag = MetricNames.instrument(MetricNames.REVIEW_DECISION_LAG);
        decisionLag = meter.histogramBuilder(lag.name())
                .setUnit(lag.unit())
                .setDescription(lag.description())
                .build();
        MetricNames.Instrument gauge = MetricNames.instrument(MetricNames.REVIEW_BACKLOG);
        meter.gaugeBuilder(gauge.name())
                .ofLongs()
                .setUnit(gauge.unit())
                .setDescription(gauge.description())
                .buildWithCallback(m -> {
                    for (int level = 1; level <= 3; level++) {
                        m.record(backlog.getOrDefault(level, 0), Attributes.of(LEVEL, Integer.toString(level)));
                    }
                });
    }

    private static LongCounter counter(Meter meter, String name) {
        MetricNames.Instrument i = MetricNames.instrument(name);
        return meter.counterBuilder(i.name())
                .setUnit(i.unit())
                .setDescription(i.description())
                .build();
    }

    public void triaged(int level) {
        triaged.add(1, Attributes.of(LEVEL, Integer.toString(level)));
    }

    public void merged(int level, boolean auto) {
        merges.add(1, Attributes.of(LEVEL, Integer.toString(level), AUTO, Boolean.toString(auto)));
    }

    /** @param trigger red_main or manual */
    public void reverted(String trigger) {
        reverts.add(1, Attributes.of(TRIGGER, trigger));
    }

    public void conflict() {
        conflicts.add(1);
    }

    public void decided(String kind, int level, Duration lag) {
        decisionLag.record(lag.toMillis() / 1000.0, Attributes.of(KIND, kind, LEVEL, Integer.toString(level)));
    }

    public void backlog(Map<Integer, Integer> pendingByLevel) {
        backlog.clear();
        backlog.putAll(pendingByLevel);
    }
}
