package dev.forgeline.planner.dto;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.ProposalOrigin;
import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.contracts.TaskState;

/**
 * A task as {@code GET /specs/{id}} shows it.
 *
 * @param labels      metadata (story, phase, requirements, optional, parent group); never used for placement
 * @param requires    placement requirements
 * @param fileReasons the files it writes and why each counts as written
 * @param fileOrder   earlier tasks writing one of the same files (implicit ordering), with the reason
 * @param waiting     why it waits (PLANNED and NEEDS_DECISION tasks), else null
 */
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
        String parentTaskId,
        Map<String, String> labels,
        Map<String, String> requires,
        Map<String, String> fileReasons,
        List<FileOrder> fileOrder,
        WaitingReason waiting) {}
