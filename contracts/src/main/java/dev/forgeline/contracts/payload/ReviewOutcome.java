package dev.forgeline.contracts.payload;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;

/**
 * A review decision on a succeeded attempt.
 *
 * @param state       IN_REVIEW (waits for a person), MERGED, REJECTED or REVERTED; FAILED when the attempt must run
 *                    again: {@code failureClass} MERGE_CONFLICT (retry on the new main) or CHANGES_REQUESTED
 *                    ({@code comment} is the retry context)
 * @param level       0 auto-merge, 1 quick scan, 2 full review, 3 pair review
 * @param reasons     why this level (each rule that fired)
 * @param mergeCommit the merge commit on the base branch, when merged
 * @param linesMerged lines added to the base branch by the merge
 * @param reviewer    who decided, for a person's decision
 * @param requestedAt when the review was requested (decision lag starts)
 * @param decidedAt   when it was decided
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ReviewOutcome(
        String specId,
        String taskId,
        int attempt,
        long fencingToken,
        TaskState state,
        int level,
        List<String> reasons,
        String repository,
        String branch,
        String mergeCommit,
        int linesMerged,
        FailureClass failureClass,
        String reviewer,
        String comment,
        Instant requestedAt,
        Instant decidedAt) {

    @JsonCreator
    public ReviewOutcome {
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }

    /** An outcome with no failure, reviewer or decision times. */
    public ReviewOutcome(
            String specId,
            String taskId,
            int attempt,
            long fencingToken,
            TaskState state,
            int level,
            List<String> reasons,
            String repository,
            String branch,
            String mergeCommit,
            int linesMerged) {
        this(
                specId,
                taskId,
                attempt,
                fencingToken,
                state,
                level,
                reasons,
                repository,
                branch,
                mergeCommit,
                linesMerged,
                null,
                null,
                null,
                null,
                null);
    }
}
