package dev.forgeline.contracts.payload;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * review -> dispatcher, metrics: the human review backlog against capacity. While {@code holdBack} is true the
 * dispatcher does not lease tasks {@link dev.forgeline.contracts.ReviewRisk} predicts at level 2-3. Key: "review".
 *
 * @param pendingHighRisk reviews at level 2 or 3 waiting for a person
 * @param pendingTotal    all reviews waiting for a person
 * @param dailyCapacity   level 2-3 reviews people can do per day (configured)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ReviewBacklog(
        int pendingHighRisk, int pendingTotal, int dailyCapacity, boolean holdBack, String reason, Instant at) {}
