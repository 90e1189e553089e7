package dev.forgeline.support.tracing;

import java.util.HashMap;
import java.util.Map;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.Envelope;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * Carries W3C trace context inside event envelopes, so one trace follows a task from REST ingest through
 * the outbox and every Kafka hop (the outbox relay publishes later, outside the original span).
 */
@ApplicationScoped
public class TraceContexts {
    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final OpenTelemetry openTelemetry;
    private final Tracer tracer;

    public TraceContexts(OpenTelemetry openTelemetry) {
        this.openTelemetry = openTelemetry;
        this.tracer = openTelemetry.getTracer("dev.forgeline");
    }

    /** The current trace context as W3C headers, to store in an outgoing envelope. */
    public Map<String, String> current() {
        Map<String, String> carrier = new HashMap<>();
        openTelemetry.getPropagators().getTextMapPropagator().inject(Context.current(), carrier, Map::put);
        return carrier;
    }

    /** Starts a consumer span that continues the trace the envelope carries; the caller ends it. */
    public Span startConsumerSpan(Envelope envelope, String consumer) {
        Context parent = openTelemetry
                .getPropagators()
                .getTextMapPropagator()
                .extract(Context.root(), envelope.traceContext(), GETTER);
        return tracer.spanBuilder(consumer + " " + envelope.type())
                .setParent(parent)
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.message.id", envelope.eventId().toString())
                .setAttribute("forgeline.spec.id", String.valueOf(envelope.specId()))
                .setAttribute("forgeline.task.id", String.valueOf(envelope.taskId()))
                .startSpan();
    }
}
