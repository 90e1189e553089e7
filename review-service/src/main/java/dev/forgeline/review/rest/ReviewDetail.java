package dev.forgeline.review.rest;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.forgeline.contracts.FailureClass;

/** One review with everything a reviewer needs: the diff, test and lint runs, cost and the attempt history. */
public record ReviewDetail(
        @JsonUnwrapped ReviewView review,
        String diff,
        Tests tests,
        Lint lint,
        Cost cost,
        Verify verify,
        List<Attempt> attempts) {

    public record Tests(
            String command, boolean ran, boolean passed, Integer exitCode, Long durationMillis, String outputTail) {}

    public record Lint(String command, Boolean passed, String outputTail) {}

    public record Cost(
            BigDecimal usd,
            boolean estimated,
            Long inputTokens,
            Long outputTokens,
            String agentProfile,
            String model,
            Long computeMillis) {}

    public record Verify(
            String command,
            String state,
            String outputTail,
            Instant verifiedAt,
            String revertCommit,
            Instant revertedAt,
            String revertedBy,
            String revertReason) {}

    /** One attempt of the task, oldest first. {@code reviewState} is null for an attempt that never reached review. */
    public record Attempt(
            int attempt,
            long fencingToken,
            String nodeName,
            boolean succeeded,
            FailureClass failureClass,
            String failureDetail,
            boolean testsPassed,
            BigDecimal costUsd,
            long computeMillis,
            Instant finishedAt,
            String reviewState,
            Integer level,
            String decidedBy,
            String decisionReason) {}
}
