package dev.forgeline.dispatcher.mapping;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.contracts.payload.ProfileOffer;

/** The agent profiles a node advertises, as stored in its jsonb column. */
public final class ProfileOffersJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<List<ProfileOffer>> LIST = new TypeReference<>() {};

    private ProfileOffersJson() {}

    public static String write(List<ProfileOffer> offers) {
        try {
            return MAPPER.writeValueAsString(offers == null ? List.of() : offers);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("profile offers cannot be written as JSON", e);
        }
    }

    public static List<ProfileOffer> read(String json) {
        if (json == null || json.isBlank()) {
            return List.of();
        }
        try {
            return MAPPER.readValue(json, LIST);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored value is not a list of profile offers: " + json, e);
        }
    }
}
