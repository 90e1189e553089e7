package dev.forgeline.contracts.payload;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.forgeline.contracts.FailureClass;
import java.time.Instant;
import java.util.UUID;

/**
 * The outcome of one attempt, as verified by the worker.
 *
 * @param succeeded     the agent exited cleanly, the worker's own test run passed and the work is committed
 * @param failureClass  null when succeeded
 * @param branch        the attempt's branch in the target repository (holds the commit)
 * @param baseCommit    the commit of the base branch the attempt started from
 * @param computeMillis wall time the agent and the tests ran
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TaskResult(
        UUID leaseId,
        String specId,
        String taskId,
        String nodeName,
        long fencingToken,
        int attempt,
        boolean succeeded,
        FailureClass failureClass,
        String failureDetail,
        String repository,
        String baseBranch,
        String branch,
        String baseCommit,
        String commit,
        DiffStats diff,
        TestOutcome tests,
        AgentUsage usage,
        long computeMillis,
        Instant startedAt,
        Instant finishedAt) {
}
