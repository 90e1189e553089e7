package dev.forgeline.review;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.contracts.payload.DiffStats;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.contracts.payload.TestOutcome;
import dev.forgeline.testsupport.TestKafka;

/** Payloads as the worker and the dispatcher send them, and the review outcomes tests wait for. */
final class Events {
    private Events() {}

    /**
     * A succeeded result. The worker's diff numbers are deliberately wrong (one line): the review must count
     * with git itself.
     */
    static TaskResult succeeded(
            String specId, String taskId, long fencingToken, GitRepo repo, GitRepo.Attempt attempt) {
        return succeeded(specId, taskId, fencingToken, 1, repo, attempt);
    }

    static TaskResult succeeded(
            String specId, String taskId, long fencingToken, int attemptNumber, GitRepo repo, GitRepo.Attempt attempt) {
        return succeeded(specId, taskId, fencingToken, attemptNumber, repo.url(), attempt);
    }

    /** A succeeded result naming the repository by {@code repository} (its URL). */
    static TaskResult succeeded(
            String specId,
            String taskId,
            long fencingToken,
            int attemptNumber,
            String repository,
            GitRepo.Attempt attempt) {
        return new TaskResult(
                UUID.randomUUID(),
                specId,
                taskId,
                "node-a",
                fencingToken,
                attemptNumber,
                true,
                null,
                null,
                repository,
                "main",
                attempt.branch(),
                attempt.baseCommit(),
                attempt.commit(),
                new DiffStats(1, 1, 0, List.of("x")),
                new TestOutcome("sh test.sh", true, true, 0, 25, "ok"),
                new AgentUsage("default", "command", "m", 100, 20, 0, new BigDecimal("0.01")),
                1200,
                Instant.now().minusSeconds(2),
                Instant.now());
    }

    static TaskStateChanged accepted(String specId, String taskId, long fencingToken) {
        return new TaskStateChanged(specId, taskId, TaskState.SUCCEEDED, 1, "node-a", fencingToken, null, null);
    }

    /** A failed result (it only enters the attempt history). */
    static TaskResult failed(String specId, String taskId, long fencingToken, int attemptNumber, GitRepo repo) {
        return new TaskResult(
                UUID.randomUUID(),
                specId,
                taskId,
                "node-b",
                fencingToken,
                attemptNumber,
                false,
                dev.forgeline.contracts.FailureClass.TEST_FAILURE,
                "1 test failed",
                repo.url(),
                "main",
                "forgeline/" + specId + "/" + taskId + "/a" + attemptNumber,
                repo.rev("main"),
                repo.rev("main"),
                DiffStats.empty(),
                new TestOutcome("sh test.sh", true, false, 1, 30, "FAIL"),
                new AgentUsage("default", "command", "m", 80, 10, 0, new BigDecimal("0.02")),
                900,
                Instant.now().minusSeconds(3),
                Instant.now());
    }

    /** The first review outcome of the spec's task T1 in {@code state}, read from the topic (60 s at most). */
    static ReviewOutcome awaitOutcome(TestKafka kafka, String spec, TaskState state) {
        return kafka.await(
                        Topics.REVIEW_OUTCOMES,
                        e -> spec.equals(e.specId())
                                && "T1".equals(e.taskId())
                                && e.payloadAs(ReviewOutcome.class).state() == state,
                        1,
                        Duration.ofSeconds(60))
                .get(0)
                .payloadAs(ReviewOutcome.class);
    }

    static String uniqueSpec(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
