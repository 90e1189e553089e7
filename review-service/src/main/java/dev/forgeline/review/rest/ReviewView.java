package dev.forgeline.review.rest;

import dev.forgeline.review.domain.ReviewState;
import java.time.Instant;
import java.util.List;

/**
 * A review as the API shows it.
 *
 * @param decisionLagMillis decidedAt - createdAt (how long the attempt waited for its merge or rejection)
 */
public record ReviewView(
        String specId,
        String taskId,
        int attempt,
        long fencingToken,
        ReviewState state,
        Integer level,
        List<String> reasons,
        String repository,
        String baseBranch,
        String branch,
        String baseCommit,
        String commit,
        Integer linesAdded,
        Integer linesRemoved,
        Integer filesChanged,
        boolean testsRan,
        boolean testsPassed,
        String mergeCommit,
        Integer linesMerged,
        Instant createdAt,
        Instant acceptedAt,
        Instant decidedAt,
        String decidedBy,
        String decisionReason,
        Long decisionLagMillis) {
}
