package dev.forgeline.contracts.payload;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.math.BigDecimal;

/** Tokens and cost an agent reported (or the price table supplied) for one attempt. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AgentUsage(String agentProfile, String adapter, String model, long inputTokens, long outputTokens,
        long cachedTokens, BigDecimal costUsd) {

    public static AgentUsage none(String agentProfile, String adapter) {
        return new AgentUsage(agentProfile, adapter, null, 0, 0, 0, BigDecimal.ZERO);
    }
}
