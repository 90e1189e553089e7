package dev.forgeline.contracts;

import java.io.IOException;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** JSON encoding of envelopes and payloads, identical in every service. */
public final class EventCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // money travels as decimal numbers: never through a double, and with its scale kept
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

    private EventCodec() {}

    public static String encode(Envelope envelope) {
        try {
            return MAPPER.writeValueAsString(envelope);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot encode event " + envelope.eventId(), e);
        }
    }

    /** Decodes a record value; a record that is not an envelope fails with the reason. */
    public static Envelope decode(String json) {
        try {
            Envelope envelope = MAPPER.readValue(json, Envelope.class);
            if (envelope == null || envelope.payload() == null) {
                throw new IllegalArgumentException("record has no payload");
            }
            return envelope;
        } catch (IOException e) {
            throw new IllegalArgumentException("record is not a Forgeline event envelope: " + reason(e), e);
        }
    }

    static JsonNode toTree(Object payload) {
        return MAPPER.valueToTree(payload);
    }

    static <T> T fromTree(JsonNode node, Class<T> type) {
        try {
            return MAPPER.treeToValue(node, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("payload is not a valid " + type.getSimpleName() + ": " + reason(e), e);
        }
    }

    /**
     * Jackson's message without the location it appends on a new line: the reason is what a reader needs, and the
     * contracts stay off jackson-core's exception types (Jackson's exceptions are IOExceptions).
     */
    private static String reason(IOException e) {
        String message = String.valueOf(e.getMessage());
        int location = message.indexOf('\n');
        return location < 0 ? message : message.substring(0, location);
    }
}
