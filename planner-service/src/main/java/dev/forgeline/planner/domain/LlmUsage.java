package dev.forgeline.planner.domain;

import java.math.BigDecimal;
import java.util.UUID;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One call of the LLM planner: what it was for, the model, its tokens and cost, and how many tries it took. */
@Entity
@Table(name = "llm_usage")
public class LlmUsage {
    @Id
    public UUID id;

    @Column(nullable = false)
    public String purpose;

    @Column(nullable = false)
    public String provider;

    @Column(nullable = false)
    public String model;

    @Column(name = "input_tokens", nullable = false)
    public long inputTokens;

    @Column(name = "output_tokens", nullable = false)
    public long outputTokens;

    @Column(name = "cost_usd", nullable = false)
    public BigDecimal costUsd;

    @Column(nullable = false)
    public int attempts;
}
