package dev.forgeline.contracts.payload;

import java.math.BigDecimal;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Tokens and cost an agent reported (or the price table supplied) for one attempt.
 *
 * @param provider      who bills the tokens: anthropic, openai, google, local ...
 * @param costUsd       null when unknown: tokens were spent at a price neither the agent nor the price table knows
 * @param costEstimated true when the cost comes from the price table because the agent reported none, or is unknown
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AgentUsage(
        String agentProfile,
        String adapter,
        String model,
        long inputTokens,
        long outputTokens,
        long cachedTokens,
        BigDecimal costUsd,
        String provider,
        boolean costEstimated) {

    @JsonCreator
    public AgentUsage {}

    /** Usage whose provider is not known and whose cost the agent reported itself. */
    public AgentUsage(
            String agentProfile,
            String adapter,
            String model,
            long inputTokens,
            long outputTokens,
            long cachedTokens,
            BigDecimal costUsd) {
        this(agentProfile, adapter, model, inputTokens, outputTokens, cachedTokens, costUsd, null, false);
    }

    public static AgentUsage none(String agentProfile, String adapter) {
        return new AgentUsage(agentProfile, adapter, null, 0, 0, 0, BigDecimal.ZERO);
    }
}
