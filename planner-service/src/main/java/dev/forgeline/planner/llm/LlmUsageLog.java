package dev.forgeline.planner.llm;

import java.math.BigDecimal;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.planner.domain.LlmUsage;
import dev.forgeline.planner.repository.LlmUsageRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import org.jboss.logging.Logger;

/**
 * Records each LLM planner call's tokens and cost in {@code llm_usage}, in a transaction of its own: a call that was
 * paid for is recorded even when the caller's transaction rolls back.
 */
@ApplicationScoped
public class LlmUsageLog {
    private static final Logger LOG = Logger.getLogger(LlmUsageLog.class);
    private final LlmUsageRepository usages;

    public LlmUsageLog(LlmUsageRepository usages) {
        this.usages = usages;
    }

    public void record(
            String purpose, String provider, String model, long input, long output, BigDecimal cost, int attempts) {
        LlmUsage usage = new LlmUsage();
        usage.id = UUID.randomUUID();
        usage.purpose = purpose;
        usage.provider = provider;
        usage.model = model;
        usage.inputTokens = input;
        usage.outputTokens = output;
        usage.costUsd = cost;
        usage.attempts = attempts;
        try {
            QuarkusTransaction.requiringNew().run(() -> usages.persist(usage));
        } catch (RuntimeException e) {
            LOG.warnf("LLM usage not recorded: %s", e.getMessage());
        }
    }
}
