package dev.forgeline.worker.adapter.usage;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Claude Code's {@code -p --output-format stream-json} (one JSON event per line) and {@code --output-format json}
 * (a single {@code result} object).
 *
 * <p>Tokens are counted once per API message id: stream-json repeats an assistant message, with the same
 * {@code usage}, for every content block it carries (text, tool use ...), so summing per event counts the same
 * tokens two or three times. The cost is the {@code total_cost_usd} of the {@code result} event. When no assistant
 * event was seen (json format) the {@code usage} of the result is used.
 */
public final class ClaudeCodeUsageParser implements UsageParser {
    private final Map<String, JsonNode> usageByMessageId = new LinkedHashMap<>();
    private volatile long tokensSoFar;
    private JsonNode resultUsage;
    private BigDecimal cost;
    private String model;
    private String error;

    @Override
    public synchronized void accept(String line) {
        JsonNode event = Json.objectOrNull(line);
        if (event == null) {
            return;
        }
        String type = Json.textAt(event, "type");
        if ("system".equals(type) && model == null) {
            model = Json.textAt(event, "model");
        } else if ("assistant".equals(type)) {
            JsonNode message = event.get("message");
            String id = Json.textAt(message, "id");
            JsonNode usage = message == null ? null : message.get("usage");
            if (id != null && usage != null) {
                usageByMessageId.put(id, usage);
                tokensSoFar = sum(usageByMessageId.values()).totalTokens();
            }
            String messageModel = Json.textAt(message, "model");
            if (messageModel != null) {
                model = messageModel;
            }
        } else if ("result".equals(type)) {
            JsonNode total = event.get("total_cost_usd");
            if (total == null) {
                total = event.get("cost_usd");
            }
            if (total != null && total.isNumber()) {
                cost = total.decimalValue();
            }
            resultUsage = event.get("usage");
            if (event.path("is_error").asBoolean(false) || !"success".equals(Json.textAt(event, "subtype"))) {
                String result = Json.textAt(event, "result");
                error = result != null ? result : Json.textAt(event, "subtype");
            }
        }
    }

    @Override
    public long tokensSoFar() {
        return tokensSoFar;
    }

    @Override
    public synchronized ParsedUsage finish() {
        Counts counts = usageByMessageId.isEmpty() && resultUsage != null
                ? sum(java.util.List.of(resultUsage))
                : sum(usageByMessageId.values());
        return new ParsedUsage(counts.input, counts.output, counts.cached, cost, model, error);
    }

    private record Counts(long input, long output, long cached) {
        long totalTokens() {
            return input + output + cached;
        }
    }

    /** Cache writes are billed as input; cache reads are the cached tokens. */
    private static Counts sum(Iterable<JsonNode> usages) {
        long input = 0;
        long output = 0;
        long cached = 0;
        for (JsonNode usage : usages) {
            input += Json.longAt(usage, "input_tokens") + Json.longAt(usage, "cache_creation_input_tokens");
            output += Json.longAt(usage, "output_tokens");
            cached += Json.longAt(usage, "cache_read_input_tokens");
        }
        return new Counts(input, output, cached);
    }
}
