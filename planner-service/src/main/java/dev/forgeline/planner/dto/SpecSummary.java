package dev.forgeline.planner.dto;

import java.time.Instant;
import java.util.Map;

/** One entry of {@code GET /specs}. */
public record SpecSummary(
        String id, String name, Instant createdAt, Map<String, Long> counts, int revision, String project) {}
