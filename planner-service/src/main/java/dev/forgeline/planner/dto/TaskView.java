package dev.forgeline.planner.dto;

import java.time.Instant;
import java.util.List;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.ProposalOrigin;
import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.contracts.TaskState;

/** A task as {@code GET /specs/{id}} shows it. */
public record TaskView(
        String taskId,
        String title,
        TaskState state,
        List<String> dependsOn,
        int attempt,
        FailureClass failureClass,
        Integer reviewLevel,
        String mergeCommit,
        Instant updatedAt,
        int revision,
        SpecQuality qualityClass,
        int qualityScore,
        List<String> qualityReasons,
        List<String> files,
        ProposalOrigin origin,
        String parentTaskId) {}
