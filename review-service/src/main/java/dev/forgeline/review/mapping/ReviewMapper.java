package dev.forgeline.review.mapping;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.review.domain.AttemptResult;
import dev.forgeline.review.domain.Review;
import dev.forgeline.review.domain.ReviewState;
import dev.forgeline.review.rest.ReviewDetail;
import dev.forgeline.review.rest.ReviewView;

/** Review entity -> REST view and -> review.outcome event. */
public final class ReviewMapper {
    /** who merges level 0 */
    public static final String AUTO_MERGER = "forgeline";

    private ReviewMapper() {}

    public static ReviewView toView(Review r) {
        Instant start = r.requestedAt != null ? r.requestedAt : r.createdAt;
        Long lagMillis = r.decidedAt == null
                ? null
                : Duration.between(start, r.decidedAt).toMillis();
        Long age = r.state == ReviewState.PENDING
                ? Duration.between(start, Instant.now()).toSeconds()
                : null;
        return new ReviewView(
                r.specId(),
                r.taskId(),
                r.attempt,
                r.fencingToken(),
                r.state,
                r.level,
                r.reasons,
                r.repository,
                r.baseBranch,
                r.branch,
                r.baseCommit,
                r.commit,
                r.linesAdded,
                r.linesRemoved,
                r.filesChanged,
                r.testsRan,
                r.testsPassed,
                r.verificationFlags,
                r.costUsd,
                r.mergeCommit,
                r.mergeId,
                r.linesMerged,
                r.verifyState,
                r.revertCommit,
                r.revertTrigger,
                r.failureClass,
                r.createdAt,
                r.acceptedAt,
                r.requestedAt,
                r.decidedAt,
                r.decidedBy,
                r.decisionReason,
                lagMillis,
                age,
                r.pullRequestUrl,
                r.pullRequestStatus,
                r.submittedBy,
                r.project);
    }

    public static ReviewDetail toDetail(Review r, List<Review> allReviews, List<AttemptResult> results) {
        Map<Long, Review> byToken =
                allReviews.stream().collect(Collectors.toMap(Review::fencingToken, Function.identity()));
        List<ReviewDetail.Attempt> attempts = results.stream()
                .map(a -> {
                    Review review = byToken.get(a.id.fencingToken);
                    return new ReviewDetail.Attempt(
                            a.attempt,
                            a.id.fencingToken,
                            a.nodeName,
                            a.succeeded,
                            a.failureClass,
                            a.failureDetail,
                            a.testsPassed,
                            a.costUsd,
                            a.computeMillis,
                            a.finishedAt,
                            review == null ? null : review.state.name(),
                            review == null ? null : review.level,
                            review == null ? null : review.decidedBy,
                            review == null ? null : review.decisionReason);
                })
                .toList();
        return new ReviewDetail(
                toView(r),
                r.diffPatch,
                new ReviewDetail.Tests(
                        r.testCommand,
                        r.testsRan,
                        r.testsPassed,
                        r.testExitCode,
                        r.testDurationMillis,
                        r.testOutputTail),
                new ReviewDetail.Lint(r.lintCommand, r.lintPassed, r.lintOutputTail),
                new ReviewDetail.Cost(
                        r.costUsd,
                        r.costEstimated,
                        r.inputTokens,
                        r.outputTokens,
                        r.agentProfile,
                        r.model,
                        r.computeMillis),
                new ReviewDetail.Verify(
                        r.verifyCommand,
                        r.verifyState == null ? null : r.verifyState.name(),
                        r.verifyOutput,
                        r.verifiedAt,
                        r.revertCommit,
                        r.revertedAt,
                        r.revertedBy,
                        r.revertReason),
                attempts);
    }

    public static ReviewOutcome toOutcome(Review r) {
        boolean person = r.decidedBy != null && !AUTO_MERGER.equals(r.decidedBy);
        String comment = switch (r.state) {
            case CHANGES_REQUESTED, REJECTED -> r.decisionReason;
            // a failed required check: its output is the next attempt's context
            case FAILED ->
                r.failureClass == dev.forgeline.contracts.FailureClass.TEST_FAILURE ? r.decisionReason : null;
            case REVERTED -> r.revertReason;
            default -> null;
        };
        String reviewer =
                r.state == ReviewState.REVERTED && r.revertedBy != null ? r.revertedBy : person ? r.decidedBy : null;
        return new ReviewOutcome(
                r.specId(),
                r.taskId(),
                r.attempt,
                r.fencingToken(),
                taskState(r.state),
                r.level == null ? 1 : r.level,
                r.reasons,
                r.repository,
                r.branch,
                r.mergeCommit,
                r.linesMerged == null ? 0 : r.linesMerged,
                r.failureClass,
                reviewer,
                comment,
                r.requestedAt,
                r.state == ReviewState.REVERTED ? r.revertedAt : r.decidedAt);
    }

    static TaskState taskState(ReviewState state) {
        return switch (state) {
            case PENDING, CHECKS_PENDING -> TaskState.IN_REVIEW;
            case MERGED -> TaskState.MERGED;
            case REJECTED -> TaskState.REJECTED;
            case FAILED, CHANGES_REQUESTED -> TaskState.FAILED;
            case REVERTED -> TaskState.REVERTED;
            case AWAITING_ACCEPTANCE ->
                throw new IllegalArgumentException("a review awaiting acceptance has no outcome");
        };
    }
}
