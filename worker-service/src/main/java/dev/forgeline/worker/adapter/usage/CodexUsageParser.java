package dev.forgeline.worker.adapter.usage;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code codex exec --json}: JSONL events ({@code thread.started}, {@code turn.started}, {@code item.*},
 * {@code turn.completed} with {@code usage: {input_tokens, cached_input_tokens, output_tokens}},
 * {@code turn.failed}, {@code error}). Usage is summed over {@code turn.completed} events. OpenAI counts cached
 * input inside {@code input_tokens}; here input tokens are the uncached ones. Codex reports no cost: the price table
 * supplies it.
 */
public final class CodexUsageParser implements UsageParser {
    private long input;
    private long cached;
    private long output;
    private volatile long tokensSoFar;
    private String error;

    @Override
    public synchronized void accept(String line) {
        JsonNode event = Json.objectOrNull(line);
        if (event == null) {
            return;
        }
        String type = Json.textAt(event, "type");
        if ("turn.completed".equals(type)) {
            JsonNode usage = event.get("usage");
            long turnInput = Json.longAt(usage, "input_tokens");
            long turnCached = Math.min(turnInput, Json.longAt(usage, "cached_input_tokens"));
            input += turnInput - turnCached;
            cached += turnCached;
            output += Json.longAt(usage, "output_tokens");
            tokensSoFar = input + cached + output;
        } else if ("turn.failed".equals(type)) {
            error = Json.textAt(event.path("error"), "message");
        } else if ("error".equals(type) && error == null) {
            error = Json.textAt(event, "message");
        }
    }

    @Override
    public long tokensSoFar() {
        return tokensSoFar;
    }

    @Override
    public synchronized ParsedUsage finish() {
        return new ParsedUsage(input, output, cached, null, null, error);
    }
}
