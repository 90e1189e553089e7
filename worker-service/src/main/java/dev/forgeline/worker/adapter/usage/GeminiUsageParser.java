package dev.forgeline.worker.adapter.usage;

import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code gemini -p ... --output-format json}: one (pretty-printed) JSON object {@code {response, stats, error}}
 * printed at the end, where {@code stats.models.<model>.tokens} holds {@code prompt}, {@code candidates},
 * {@code cached}, {@code thoughts}, {@code tool}. Input = prompt - cached; output = candidates + thoughts (thinking
 * is billed as output). Lines before the object (warnings) are skipped. Gemini CLI reports no cost.
 */
public final class GeminiUsageParser implements UsageParser {
    private final StringBuilder json = new StringBuilder();
    private boolean inObject;

    @Override
    public synchronized void accept(String line) {
        if (!inObject && line.startsWith("{")) {
            inObject = true;
            json.setLength(0);
        }
        if (inObject) {
            json.append(line).append('\n');
        }
    }

    @Override
    public long tokensSoFar() {
        return 0;
    }

    @Override
    public synchronized ParsedUsage finish() {
        JsonNode root;
        try {
            root = json.length() == 0 ? null : Json.MAPPER.readTree(json.toString());
        } catch (Exception e) {
            root = null;
        }
        if (root == null || !root.isObject()) {
            return new ParsedUsage(0, 0, 0, null, null, null);
        }
        long input = 0;
        long output = 0;
        long cached = 0;
        String model = null;
        JsonNode models = root.path("stats").path("models");
        for (Iterator<Map.Entry<String, JsonNode>> it = models.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (model == null) {
                model = entry.getKey();
            }
            JsonNode tokens = entry.getValue().path("tokens");
            long prompt = Json.longAt(tokens, "prompt");
            long modelCached = Math.min(prompt, Json.longAt(tokens, "cached"));
            input += prompt - modelCached;
            cached += modelCached;
            output += Json.longAt(tokens, "candidates") + Json.longAt(tokens, "thoughts");
        }
        String error = Json.textAt(root.path("error"), "message");
        return new ParsedUsage(input, output, cached, null, model, error);
    }
}
