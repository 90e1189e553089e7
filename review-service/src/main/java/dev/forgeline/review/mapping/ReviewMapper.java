package dev.forgeline.review.mapping;

import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.review.domain.Review;
import dev.forgeline.review.domain.ReviewState;
import dev.forgeline.review.rest.ReviewView;
import java.time.Duration;

/** Review entity -> REST view and -> review.outcome event. */
public final class ReviewMapper {
    private ReviewMapper() {
    }

    public static ReviewView toView(Review r) {
        Long lagMillis = r.decidedAt == null ? null : Duration.between(r.createdAt, r.decidedAt).toMillis();
        return new ReviewView(r.specId(), r.taskId(), r.attempt, r.fencingToken(), r.state, r.level, r.reasons,
                r.repository, r.baseBranch, r.branch, r.baseCommit, r.commit, r.linesAdded, r.linesRemoved,
                r.filesChanged, r.testsRan, r.testsPassed, r.mergeCommit, r.linesMerged, r.createdAt, r.acceptedAt,
                r.decidedAt, r.decidedBy, r.decisionReason, lagMillis);
    }

    public static ReviewOutcome toOutcome(Review r) {
        return new ReviewOutcome(r.specId(), r.taskId(), r.attempt, r.fencingToken(), taskState(r.state),
                r.level == null ? 1 : r.level, r.reasons, r.repository, r.branch, r.mergeCommit,
                r.linesMerged == null ? 0 : r.linesMerged);
    }

    static TaskState taskState(ReviewState state) {
        return switch (state) {
            case PENDING -> TaskState.IN_REVIEW;
            case MERGED -> TaskState.MERGED;
            case REJECTED -> TaskState.REJECTED;
            case AWAITING_ACCEPTANCE -> throw new IllegalArgumentException("a review awaiting acceptance has no outcome");
        };
    }
}
