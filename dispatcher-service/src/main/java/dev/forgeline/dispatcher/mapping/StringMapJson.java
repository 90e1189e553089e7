package dev.forgeline.dispatcher.mapping;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A flat JSON object of strings: labels (jsonb columns) and stored trace contexts. */
public final class StringMapJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, String>> MAP = new TypeReference<>() {};
    public static final String EMPTY = "{}";

    private StringMapJson() {}

    public static String write(Map<String, String> map) {
        if (map == null || map.isEmpty()) {
            return EMPTY;
        }
        try {
            return MAPPER.writeValueAsString(new TreeMap<>(map));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("map cannot be written as JSON", e);
        }
    }

    public static Map<String, String> read(String json) {
        if (json == null || json.isBlank() || EMPTY.equals(json)) {
            return Map.of();
        }
        try {
            return MAPPER.readValue(json, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored value is not a JSON object of strings: " + json, e);
        }
    }
}
