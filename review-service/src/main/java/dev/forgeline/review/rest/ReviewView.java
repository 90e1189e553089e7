package dev.forgeline.review.rest;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.review.domain.ReviewState;
import dev.forgeline.review.domain.VerifyState;

/**
 * A review as the API shows it.
 *
 * @param decisionLagMillis decidedAt - requestedAt (createdAt when no person was asked): how long the attempt waited
 * @param ageSeconds        how long it has waited so far (now - requestedAt), while pending
 * @param pullRequestUrl    merge mode pull-request: the pull request (merge request) it waits in
 * @param pullRequestStatus why that pull request waits, or what went wrong the last time it was looked at
 * @param submittedBy       who submitted the task's spec (null: unknown); from risk level
 *                          {@code forgeline.review.four-eyes-level} on, that identity may not approve the change
 * @param project           the project of the task's spec
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
        List<String> verificationFlags,
        BigDecimal costUsd,
        String mergeCommit,
        UUID mergeId,
        Integer linesMerged,
        VerifyState verifyState,
        String revertCommit,
        String revertTrigger,
        FailureClass failureClass,
        Instant createdAt,
        Instant acceptedAt,
        Instant requestedAt,
        Instant decidedAt,
        String decidedBy,
        String decisionReason,
        Long decisionLagMillis,
        Long ageSeconds,
        String pullRequestUrl,
        String pullRequestStatus,
        String submittedBy,
        String project) {}
