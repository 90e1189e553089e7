package dev.forgeline.contracts.payload;

import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.forgeline.contracts.ProposalOrigin;

/**
 * Any service -> planner: a task proposed for an existing spec. The planner scores it with the same quality gate
 * and accepts it within the spec's limits on task count, depth and budget. Key: specId/parentTaskId.
 *
 * @param proposalId     idempotency key: the same proposal delivered twice makes one task
 * @param parentTaskId   the task whose work, review, revert or failure produced the proposal
 * @param text           the proposed task in Forgeline task Markdown (body of a {@code ## Task:} section), or
 *                       free text when {@code origin} is SPLIT and the planner is to do the splitting
 * @param failureContext for SPLIT and REVERT_FIX: what failed (output tail, verify log), secrets masked
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TaskProposal(
        UUID proposalId,
        String specId,
        String parentTaskId,
        ProposalOrigin origin,
        String title,
        String text,
        List<String> files,
        String reason,
        String failureContext) {
    public TaskProposal {
        files = files == null ? List.of() : List.copyOf(files);
    }
}
