package dev.forgeline.worker.adapter.usage;

import java.math.BigDecimal;

/**
 * What an agent CLI's output says it used.
 *
 * @param inputTokens  input tokens not served from a cache
 * @param cachedTokens input tokens read from the provider's prompt cache
 * @param costUsd      the cost the agent reported itself; null when it reports none (the price table then applies)
 * @param model        the model the agent reported, null if none
 * @param error        the agent's own error message, null if none
 */
public record ParsedUsage(
        long inputTokens, long outputTokens, long cachedTokens, BigDecimal costUsd, String model, String error) {

    public long totalTokens() {
        return inputTokens + outputTokens + cachedTokens;
    }
}
