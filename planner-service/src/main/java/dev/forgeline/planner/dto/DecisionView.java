package dev.forgeline.planner.dto;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.forgeline.contracts.DecisionKind;

/** A decision request and, once made, the decision. */
public record DecisionView(
        UUID id,
        String specId,
        String taskId,
        DecisionKind kind,
        String question,
        List<String> missing,
        Instant requestedAt,
        Instant decidedAt,
        String decidedBy,
        String outcome,
        String note) {}
