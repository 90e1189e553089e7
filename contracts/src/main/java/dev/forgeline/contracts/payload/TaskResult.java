package dev.forgeline.contracts.payload;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.Projects;

/**
 * The outcome of one attempt, as verified by the worker.
 *
 * @param succeeded     the agent exited cleanly, the worker's own test run passed and the work is committed
 * @param failureClass  null when succeeded
 * @param branch        the attempt's branch in the target repository (holds the commit)
 * @param baseCommit    the commit of the base branch the attempt started from
 * @param computeMillis wall time the agent and the tests ran
 * @param verificationFlags ways the diff weakens verification (e.g. TEST_DELETED, TEST_DISABLED, ASSERTION_REMOVED,
 *                      COVERAGE_NARROWED, LINT_RELAXED), each as {@code FLAG: path}; the review service raises the level
 * @param remoteRef     the full ref the attempt's commit was pushed to on the repository's remote (for example
 *                      {@code refs/heads/forgeline/s1/T1/1} or {@code refs/forgeline/s1/T1/1}); null when not pushed,
 *                      then {@code refs/heads/<branch>}
 * @param project       the project of the task's spec (from its TaskReady); a result without one (written before
 *                      projects existed) reads as {@code default}
 * @param submittedBy   who submitted the task's spec (from its TaskReady); null when unknown (a result from before
 *                      submitters were recorded)
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
        Instant finishedAt,
        List<String> verificationFlags,
        String remoteRef,
        String project,
        String submittedBy) {

    @JsonCreator
    public TaskResult {
        project = Projects.orDefault(project);
        verificationFlags = verificationFlags == null ? List.of() : List.copyOf(verificationFlags);
    }

    /** This result as a task of {@code project} submitted by {@code submitter}. */
    public TaskResult withOwner(String project, String submitter) {
        return new TaskResult(
                leaseId,
                specId,
                taskId,
                nodeName,
                fencingToken,
                attempt,
                succeeded,
                failureClass,
                failureDetail,
                repository,
                baseBranch,
                branch,
                baseCommit,
                commit,
                diff,
                tests,
                usage,
                computeMillis,
                startedAt,
                finishedAt,
                verificationFlags,
                remoteRef,
                project,
                submitter);
    }

    /** A result whose spec's submitter is not known. */
    public TaskResult(
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
            Instant finishedAt,
            List<String> verificationFlags,
            String remoteRef,
            String project) {
        this(
                leaseId,
                specId,
                taskId,
                nodeName,
                fencingToken,
                attempt,
                succeeded,
                failureClass,
                failureDetail,
                repository,
                baseBranch,
                branch,
                baseCommit,
                commit,
                diff,
                tests,
                usage,
                computeMillis,
                startedAt,
                finishedAt,
                verificationFlags,
                remoteRef,
                project,
                null);
    }

    /** A result of a task of the default project. */
    public TaskResult(
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
            Instant finishedAt,
            List<String> verificationFlags,
            String remoteRef) {
        this(
                leaseId,
                specId,
                taskId,
                nodeName,
                fencingToken,
                attempt,
                succeeded,
                failureClass,
                failureDetail,
                repository,
                baseBranch,
                branch,
                baseCommit,
                commit,
                diff,
                tests,
                usage,
                computeMillis,
                startedAt,
                finishedAt,
                verificationFlags,
                remoteRef,
                null);
    }

    /** A result whose branch, if pushed, was pushed to {@code refs/heads/<branch>}. */
    public TaskResult(
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
            Instant finishedAt,
            List<String> verificationFlags) {
        this(
                leaseId,
                specId,
                taskId,
                nodeName,
                fencingToken,
                attempt,
                succeeded,
                failureClass,
                failureDetail,
                repository,
                baseBranch,
                branch,
                baseCommit,
                commit,
                diff,
                tests,
                usage,
                computeMillis,
                startedAt,
                finishedAt,
                verificationFlags,
                null,
                null);
    }

    /** The ref on the remote that holds the attempt's commit. */
    public String fetchRef() {
        return remoteRef != null ? remoteRef : "refs/heads/" + branch;
    }

    /** A result with no verification flags. */
    public TaskResult(
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
        this(
                leaseId,
                specId,
                taskId,
                nodeName,
                fencingToken,
                attempt,
                succeeded,
                failureClass,
                failureDetail,
                repository,
                baseBranch,
                branch,
                baseCommit,
                commit,
                diff,
                tests,
                usage,
                computeMillis,
                startedAt,
                finishedAt,
                List.of());
    }
}
