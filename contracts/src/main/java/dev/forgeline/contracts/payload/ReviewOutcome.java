package dev.forgeline.contracts.payload;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.forgeline.contracts.TaskState;
import java.util.List;

/**
 * A review decision on a succeeded attempt.
 *
 * @param state       IN_REVIEW (waits for a person), MERGED, REJECTED or REVERTED
 * @param level       0 auto-merge, 1 quick scan, 2 full review, 3 pair review
 * @param reasons     why this level (each rule that fired)
 * @param mergeCommit the merge commit on the base branch, when merged
 * @param linesMerged lines added to the base branch by the merge
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
        int linesMerged) {

    public ReviewOutcome {
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }
}
