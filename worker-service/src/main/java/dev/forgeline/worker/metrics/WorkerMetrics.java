package dev.forgeline.worker.metrics;

import java.util.Locale;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.MetricNames;
import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.worker.attempt.RunningAttempts;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleCounter;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;

/** The worker's OpenTelemetry instruments, named, typed and attributed as {@link MetricNames} says. */
@ApplicationScoped
public class WorkerMetrics {
    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");
    private static final AttributeKey<String> FAILURE_CLASS = AttributeKey.stringKey("failure_class");
    private static final AttributeKey<String> AGENT_PROFILE = AttributeKey.stringKey("agent_profile");
    private static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("provider");
    private static final AttributeKey<String> MODEL = AttributeKey.stringKey("model");
    private static final AttributeKey<String> DIRECTION = AttributeKey.stringKey("direction");
    private static final AttributeKey<String> FLAG = AttributeKey.stringKey("flag");
    private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");

    /** Why the worker killed an agent's process tree ({@link MetricNames#WORKER_KILLS} reason attribute). */
    public enum KillReason {
        CANCEL,
        TIMEOUT,
        LEASE_LOST,
        SELF_STOP;

        String attribute() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final LongCounter attempts;
    private final LongCounter tokens;
    private final DoubleCounter cost;
    private final DoubleCounter computeTime;
    private final LongCounter verificationFlags;
    private final LongCounter kills;

    public WorkerMetrics(Meter meter, RunningAttempts running) {
        attempts = counter(meter, MetricNames.WORKER_ATTEMPTS);
        tokens = counter(meter, MetricNames.WORKER_AGENT_TOKENS);
        cost = meter.counterBuilder(MetricNames.WORKER_AGENT_COST)
                .ofDoubles()
                .setUnit(unit(MetricNames.WORKER_AGENT_COST))
                .setDescription(description(MetricNames.WORKER_AGENT_COST))
                .build();
        computeTime = meter.counterBuilder(MetricNames.WORKER_COMPUTE_TIME)
                .ofDoubles()
                .setUnit(unit(MetricNames.WORKER_COMPUTE_TIME))
                .setDescription(description(MetricNames.WORKER_COMPUTE_TIME))
                .build();
        verificationFlags = counter(meter, MetricNames.WORKER_VERIFICATION_FLAGS);
        kills = counter(meter, MetricNames.WORKER_KILLS);
        meter.gaugeBuilder(MetricNames.WORKER_RUNNING)
                .ofLongs()
                .setUnit(unit(MetricNames.WORKER_RUNNING))
                .setDescription(description(MetricNames.WORKER_RUNNING))
                .buildWithCallback(gauge -> gauge.record(running.list().size()));
    }

    private static LongCounter counter(Meter meter, String name) {
        return meter.counterBuilder(name)
                .setUnit(unit(name))
                .setDescription(description(name))
                .build();
    }

    private static String unit(String name) {
        return MetricNames.instrument(name).unit();
    }

    private static String description(String name) {
        return MetricNames.instrument(name).description();
    }

    /** Records a finished attempt: outcome, tokens, cost, compute time, flags. */
    public void attemptFinished(TaskResult result) {
        AgentUsage usage = result.usage();
        String profile = usage == null || usage.agentProfile() == null ? "unknown" : usage.agentProfile();
        attempts.add(
                1,
                Attributes.of(
                        OUTCOME,
                        result.succeeded() ? "succeeded" : "failed",
                        FAILURE_CLASS,
                        result.failureClass() == null
                                ? "none"
                                : result.failureClass().name(),
                        AGENT_PROFILE,
                        profile));
        if (usage != null) {
            String provider = usage.provider() == null ? "unknown" : usage.provider();
            String model = usage.model() == null ? "unknown" : usage.model();
            Attributes base = Attributes.of(AGENT_PROFILE, profile, PROVIDER, provider, MODEL, model);
            tokens.add(
                    usage.inputTokens(),
                    base.toBuilder().put(DIRECTION, "input").build());
            tokens.add(
                    usage.outputTokens(),
                    base.toBuilder().put(DIRECTION, "output").build());
            tokens.add(
                    usage.cachedTokens(),
                    base.toBuilder().put(DIRECTION, "cached").build());
            if (usage.costUsd() != null) {
                cost.add(usage.costUsd().doubleValue(), base);
            }
        }
        computeTime.add(result.computeMillis() / 1000.0, Attributes.of(AGENT_PROFILE, profile));
        for (String flag : result.verificationFlags()) {
            int colon = flag.indexOf(':');
            verificationFlags.add(1, Attributes.of(FLAG, colon > 0 ? flag.substring(0, colon) : flag));
        }
    }

    public void killed(KillReason reason) {
        kills.add(1, Attributes.of(REASON, reason.attribute()));
    }
}
