package dev.forgeline.dispatcher.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.MetricNames;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;

/**
 * The dispatcher's OpenTelemetry instruments, named as in {@link MetricNames}. Gauges read values the
 * {@code GaugeRefresher} copies out of the database every few seconds, so an export never waits for a query.
 */
@ApplicationScoped
public class DispatcherMetrics {
    static final AttributeKey<String> KIND = AttributeKey.stringKey("kind");
    static final AttributeKey<String> STATE = AttributeKey.stringKey("state");
    static final AttributeKey<String> STATUS = AttributeKey.stringKey("status");
    static final AttributeKey<String> SCOPE = AttributeKey.stringKey("scope");
    static final AttributeKey<String> KEY = AttributeKey.stringKey("key");
    static final AttributeKey<String> FAILURE_CLASS = AttributeKey.stringKey("failure_class");
    static final AttributeKey<Boolean> PERMANENT = AttributeKey.booleanKey("permanent");

    private final LongCounter leases;
    private final LongCounter heartbeats;
    private final LongCounter staleEvents;
    private final LongCounter timeouts;
    private final LongCounter retries;
    private final LongCounter failures;
    private final DoubleHistogram scheduleToStart;
    private final Map<String, Long> queueDepth = new ConcurrentHashMap<>();
    private final Map<String, Long> nodes = new ConcurrentHashMap<>();
    private final Map<String, Integer> breakers = new ConcurrentHashMap<>();
    private volatile long freeSlots;

    public DispatcherMetrics(Meter meter) {
        leases = counter(meter, MetricNames.DISPATCHER_LEASES);
        heartbeats = counter(meter, MetricNames.DISPATCHER_HEARTBEATS);
        staleEvents = counter(meter, MetricNames.DISPATCHER_STALE_EVENTS);
        timeouts = counter(meter, MetricNames.DISPATCHER_TIMEOUTS);
        retries = counter(meter, MetricNames.DISPATCHER_RETRIES);
        failures = counter(meter, MetricNames.DISPATCHER_FAILURES);
        MetricNames.Instrument histogram = MetricNames.instrument(MetricNames.DISPATCHER_SCHEDULE_TO_START);
        scheduleToStart = meter.histogramBuilder(histogram.name())
                .setUnit(histogram.unit())
                .setDescription(histogram.description())
                .build();
        gauge(meter, MetricNames.DISPATCHER_QUEUE_DEPTH)
                .buildWithCallback(m -> queueDepth.forEach((state, n) -> m.record(n, Attributes.of(STATE, state))));
        gauge(meter, MetricNames.DISPATCHER_NODES)
                .buildWithCallback(m -> nodes.forEach((status, n) -> m.record(n, Attributes.of(STATUS, status))));
        gauge(meter, MetricNames.DISPATCHER_SLOTS_FREE).buildWithCallback(m -> m.record(freeSlots));
        gauge(meter, MetricNames.DISPATCHER_BREAKER_STATE).buildWithCallback(m -> {
            // the fleet-wide breaker always exists: closed (0) until it has opened
            if (!breakers.containsKey("GLOBAL/fleet")) {
                m.record(0, Attributes.of(SCOPE, "GLOBAL", KEY, "fleet"));
            }
            breakers.forEach((scopeKey, s) -> {
                int slash = scopeKey.indexOf('/');
                m.record(s, Attributes.of(SCOPE, scopeKey.substring(0, slash), KEY, scopeKey.substring(slash + 1)));
            });
        });
    }

    private static LongCounter counter(Meter meter, String name) {
        MetricNames.Instrument instrument = MetricNames.instrument(name);
        return meter.counterBuilder(instrument.name())
                .setUnit(instrument.unit())
                .setDescription(instrument.description())
                .build();
    }

    private static io.opentelemetry.api.metrics.LongGaugeBuilder gauge(Meter meter, String name) {
        MetricNames.Instrument instrument = MetricNames.instrument(name);
        return meter.gaugeBuilder(instrument.name())
                .setUnit(instrument.unit())
                .setDescription(instrument.description())
                .ofLongs();
    }

    public void leasesGranted(int n) {
        leases.add(n);
    }

    /** @param kind attempt or node */
    public void heartbeat(String kind) {
        heartbeats.add(1, Attributes.of(KIND, kind));
    }

    /** @param kind result, heartbeat or ack */
    public void stale(String kind) {
        staleEvents.add(1, Attributes.of(KIND, kind));
    }

    /** @param kind heartbeat, start_to_close, schedule_to_start, schedule_to_close or sweeper */
    public void timeout(String kind, long n) {
        if (n > 0) {
            timeouts.add(n, Attributes.of(KIND, kind));
        }
    }

    public void retry(FailureClass failureClass) {
        retries.add(1, Attributes.of(FAILURE_CLASS, failureClass.name()));
    }

    public void failure(FailureClass failureClass, boolean permanent) {
        failures.add(1, Attributes.of(FAILURE_CLASS, failureClass.name(), PERMANENT, permanent));
    }

    public void scheduleToStart(double seconds) {
        scheduleToStart.record(Math.max(0, seconds));
    }

    public void queueDepth(Map<String, Long> byState) {
        for (String state : new String[] {"READY", "LEASED", "RUNNING", "HELD"}) {
            queueDepth.put(state, byState.getOrDefault(state, 0L));
        }
    }

    public void nodes(Map<String, Long> byStatus, long free) {
        for (String status : new String[] {"READY", "DRAINING", "CORDONED", "DEAD"}) {
            nodes.put(status, byStatus.getOrDefault(status, 0L));
        }
        freeSlots = free;
    }

    /** Breaker state as 0 closed, 1 half-open, 2 open. */
    public void breaker(String scope, String key, int state) {
        breakers.put(scope + "/" + key, state);
    }

    public Integer breakerState(String scope, String key) {
        return breakers.get(scope + "/" + key);
    }
}
