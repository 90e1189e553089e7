package dev.forgeline.contracts.payload;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.forgeline.contracts.DecisionKind;

/**
 * planner, review -> metrics: a person decided something the system asked. Decision lag = decidedAt - requestedAt.
 *
 * @param level   the review level for REVIEW decisions, else 0
 * @param outcome what was decided: APPROVED, REJECTED, CHANGES_REQUESTED, AMENDED, OVERRIDDEN, SPLIT ...
 * @param project the project of the spec; null in events written before decisions named it (metrics then takes
 *                the project of the spec's tasks)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DecisionRecorded(
        UUID decisionId,
        String specId,
        String taskId,
        DecisionKind kind,
        int level,
        Instant requestedAt,
        Instant decidedAt,
        String decidedBy,
        String outcome,
        String project) {}
