package dev.forgeline.contracts;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The versioned wrapper of every Kafka record. {@code eventId} lets consumers drop duplicate deliveries;
 * {@code traceContext} carries W3C trace headers (traceparent, tracestate) across the outbox and Kafka hops.
 * Unknown fields are ignored so that producers can add fields without breaking older consumers.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Envelope(
        UUID eventId,
        String type,
        int schemaVersion,
        Instant occurredAt,
        String specId,
        String taskId,
        Map<String, String> traceContext,
        JsonNode payload) {

    public Envelope {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(type, "type");
        traceContext = traceContext == null ? Map.of() : Map.copyOf(traceContext);
    }

    /** Builds an envelope with a fresh event id for the given payload. */
    public static Envelope of(
            EventType type, String specId, String taskId, Object payload, Map<String, String> traceContext) {
        if (!type.payloadType().isInstance(payload)) {
            throw new IllegalArgumentException(
                    type + " carries " + type.payloadType().getSimpleName() + ", not "
                            + payload.getClass().getSimpleName());
        }
        return new Envelope(
                UUID.randomUUID(),
                type.wireName(),
                type.schemaVersion(),
                Instant.now(),
                specId,
                taskId,
                traceContext,
                EventCodec.toTree(payload));
    }

    public EventType eventType() {
        return EventType.fromWireName(type);
    }

    /** The payload as its record type; fails if this envelope is of another type. */
    public <T> T payloadAs(Class<T> payloadType) {
        if (eventType().payloadType() != payloadType) {
            throw new IllegalStateException(
                    "event " + eventId + " of type " + type + " does not carry " + payloadType.getSimpleName());
        }
        return EventCodec.fromTree(payload, payloadType);
    }
}
