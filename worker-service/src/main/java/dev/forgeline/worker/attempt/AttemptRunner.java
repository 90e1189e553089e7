package dev.forgeline.worker.attempt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.contracts.payload.DiffStats;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskProposal;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TestOutcome;
import dev.forgeline.support.git.GitException;
import dev.forgeline.support.process.ProcessLedger;
import dev.forgeline.support.process.SecretMasker;
import dev.forgeline.support.tracing.TraceContexts;
import dev.forgeline.support.verification.WeakenedVerification;
import dev.forgeline.worker.adapter.AgentAdapter;
import dev.forgeline.worker.adapter.AgentAdapters;
import dev.forgeline.worker.adapter.AgentInvocation;
import dev.forgeline.worker.adapter.AgentProfile;
import dev.forgeline.worker.adapter.AgentProfiles;
import dev.forgeline.worker.adapter.AgentRun;
import dev.forgeline.worker.classify.FailureClassifier;
import dev.forgeline.worker.config.WorkerConfig;
import dev.forgeline.worker.git.Worktrees;
import dev.forgeline.worker.messaging.ProposalPublisher;
import dev.forgeline.worker.sandbox.WorkerSandbox;
import dev.forgeline.worker.workspace.Workspaces;
import org.jboss.logging.Logger;

/**
 * One attempt, start to finish: a worktree on the attempt's branch, the agent, the worker's own test run, the
 * commit (kept even when the tests failed: the branch is the evidence), the diff, and the verdict. The worktree
 * is removed before the result is announced; the branch stays for review.
 */
@ApplicationScoped
public class AttemptRunner {
    private static final Logger LOG = Logger.getLogger(AttemptRunner.class);
    /** Ids become path segments and branch name parts: the planner enforces this, the worker re-checks. */
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private final WorkerConfig config;
    private final Worktrees worktrees;
    private final AgentAdapters adapters;
    private final PromptBuilder prompts;
    private final TestRunner testRunner;
    private final AgentProfiles profiles;
    private final Workspaces workspaces;
    private final Transcripts transcripts;
    private final ProposalPublisher proposals;
    private final TraceContexts traceContexts;
    private final WorkerSandbox sandbox;

    public AttemptRunner(
            WorkerConfig config,
            Worktrees worktrees,
            AgentAdapters adapters,
            PromptBuilder prompts,
            TestRunner testRunner,
            AgentProfiles profiles,
            Workspaces workspaces,
            Transcripts transcripts,
            ProposalPublisher proposals,
            TraceContexts traceContexts,
            WorkerSandbox sandbox) {
        this.sandbox = sandbox;
        this.proposals = proposals;
        this.traceContexts = traceContexts;
        this.transcripts = transcripts;
        this.profiles = profiles;
        this.workspaces = workspaces;
        this.config = config;
        this.worktrees = worktrees;
        this.adapters = adapters;
        this.prompts = prompts;
        this.testRunner = testRunner;
    }

    public static String branchName(String specId, String taskId, int attempt) {
        return "forgeline/" + specId + "/" + taskId + "/a" + attempt;
    }

    public Path workspace() {
        return Path.of(config.workspace()).toAbsolutePath().normalize();
    }

    public Path worktreeDirectory(String specId, String taskId, int attempt) {
        return workspace().resolve(specId).resolve(taskId).resolve("a" + attempt);
    }

    /**
     * Runs the attempt and returns its verdict.
     *
     * @throws InterruptedException the worker is shutting down; processes are killed, no verdict exists
     */
    public TaskResult run(TaskLeased lease, AttemptProgress progress) throws InterruptedException {
        TaskReady task = lease.task();
        Instant startedAt = progress.startedAt();
        AgentProfile profile =
                profiles.select(lease.agentProfile() != null ? lease.agentProfile() : task.agentProfile());
        AgentAdapter adapter = adapters.byId(profile.adapter()).orElse(adapters.defaultAdapter());
        Verdict verdict = new Verdict(task.testCommand(), AgentUsage.none(profile.name(), adapter.id()));
        String branch = branchName(task.specId(), task.taskId(), lease.attempt());
        Path repository = null;
        Path worktree = null;
        try {
            requireSafeId("spec id", task.specId());
            requireSafeId("task id", task.taskId());
            if (progress.stopRequested()) {
                // revoked while it waited for a free slot
                verdict.fail(progress.stopReason(), progress.stopDetail());
                return verdict.toResult(lease, config.nodeName(), branch, startedAt);
            }
            Optional<String> refusal = sandbox.refusal();
            if (refusal.isPresent()) {
                verdict.fail(FailureClass.AGENT_ERROR, "not run on " + config.nodeName() + ": " + refusal.get());
                return verdict.toResult(lease, config.nodeName(), branch, startedAt);
            }
            workspaces.recordStart(lease);
            Workspaces.Target target;
            try {
                target = workspaces.prepare(task.repository());
            } catch (GitException e) {
                verdict.fail(
                        FailureClassifier.classify(e),
                        "could not fetch " + task.repository() + " (" + e.failure() + "): " + e.output());
                return verdict.toResult(lease, config.nodeName(), branch, startedAt);
            }
            repository = target.repository();
            worktree = worktreeDirectory(task.specId(), task.taskId(), lease.attempt());
            verdict.baseCommit = worktrees.baseCommit(
                    repository, target.mirror() ? target.baseRef(task.baseBranch()) : task.baseBranch());
            verdict.target = target;
            if (Instant.now().isAfter(lease.deadline())) {
                verdict.fail(FailureClass.TIMEOUT, "the lease deadline passed before the attempt started");
                return verdict.toResult(lease, config.nodeName(), branch, startedAt);
            }
            worktrees.create(repository, branch, worktree, verdict.baseCommit);
            runWithTranscript(lease, progress, adapter, profile, repository, worktree, verdict);
        } catch (IOException | RuntimeException e) {
            LOG.warnf(
                    e instanceof RuntimeException ? e : null,
                    "attempt %s/%s a%d failed: %s",
                    task.specId(),
                    task.taskId(),
                    lease.attempt(),
                    e.getMessage());
            verdict.fail(FailureClass.AGENT_ERROR, e.getMessage() == null ? e.toString() : e.getMessage());
        } finally {
            if (worktree != null && Files.exists(worktree)) {
                if (verdict.failed() && workspaces.keepsFailed() && !progress.stopRequested()) {
                    keepWorktree(lease, repository, worktree);
                } else {
                    removeWorktree(repository, worktree);
                }
            }
        }
        return verdict.toResult(lease, config.nodeName(), branch, startedAt);
    }

    private void runWithTranscript(
            TaskLeased lease,
            AttemptProgress progress,
            AgentAdapter adapter,
            AgentProfile profile,
            Path repository,
            Path worktree,
            Verdict verdict)
            throws InterruptedException {
        try (Transcripts.Writer transcript = transcripts.open(lease)) {
            runAgentTestsAndCommit(lease, progress, adapter, profile, repository, worktree, verdict, line -> {
                progress.outputLine(line);
                transcript.accept(line);
            });
        }
    }

    private void runAgentTestsAndCommit(
            TaskLeased lease,
            AttemptProgress progress,
            AgentAdapter adapter,
            AgentProfile profile,
            Path repository,
            Path worktree,
            Verdict verdict,
            Consumer<String> output)
            throws InterruptedException {
        TaskReady task = lease.task();
        ProcessLedger ledger = workspaces.processLedger(lease.leaseId());
        // the worktree's git metadata lives in the repository: readable in the sandbox, never writable
        List<Path> readable = List.of(repository);
        String gitLink = readGitLink(worktree);
        progress.phase(AttemptPhase.AGENT);
        AgentRun agent = adapter.run(new AgentInvocation(
                worktree,
                prompts.build(lease),
                task,
                lease.deadline(),
                output,
                profile,
                progress::tokensSoFar,
                progress::stopRequested,
                ledger,
                sandbox.forAgent(readable).orElse(null)));
        verdict.usage = agent.usage();
        verdict.computeMillis += agent.durationMillis();
        progress.tokensSoFar(agent.usage().inputTokens()
                + agent.usage().outputTokens()
                + agent.usage().cachedTokens());

        if (progress.stopRequested()) {
            // revoked or self-stopped: the processes are dead; nothing is tested or committed
            verdict.fail(progress.stopReason(), progress.stopDetail());
            return;
        }
        boolean testsTimedOut = false;
        if (!agent.timedOut()) {
            progress.phase(AttemptPhase.TESTS);
            TestRunner.TestRun tests = testRunner.run(
                    task.testCommand(),
                    worktree,
                    lease.deadline(),
                    output,
                    progress::stopRequested,
                    ledger,
                    sandbox.forTests(readable).orElse(null));
            verdict.tests = tests.outcome();
            verdict.computeMillis += tests.outcome().durationMillis();
            testsTimedOut = tests.timedOut();
        }
        if (progress.stopRequested()) {
            verdict.fail(progress.stopReason(), progress.stopDetail());
            return;
        }

        progress.phase(AttemptPhase.COMMIT);
        restoreGitLink(worktree, gitLink);
        publishFollowUps(lease, worktree);
        redactKnownSecrets(repository, worktree);
        Optional<String> commit = worktrees.commitAll(repository, worktree, commitMessage(task, lease.attempt()));
        if (commit.isPresent()) {
            verdict.commit = commit.get();
            verdict.diff = worktrees.diffStats(repository, worktree, verdict.baseCommit);
            if (verdict.target != null && verdict.target.mirror()) {
                String branch = branchName(task.specId(), task.taskId(), lease.attempt());
                try {
                    verdict.remoteRef = workspaces.push(verdict.target, branch).orElse(null);
                } catch (GitException e) {
                    verdict.fail(
                            FailureClassifier.classify(e),
                            "could not push the attempt branch to " + workspaces.remoteRef(branch) + " of "
                                    + task.repository() + " (" + e.failure() + "): " + e.output());
                }
            }
            verdict.verificationFlags =
                    WeakenedVerification.flags(worktrees.diff(repository, worktree, verdict.baseCommit));
        }

        if (agent.timedOut() || testsTimedOut) {
            verdict.fail(
                    FailureClass.TIMEOUT,
                    (agent.timedOut() ? "the agent" : "the tests") + " ran past the lease deadline "
                            + lease.deadline());
        } else if (agent.exitCode() != 0) {
            verdict.fail(
                    FailureClassifier.classify(
                            FailureClassifier.Phase.AGENT, agent.exitCode(), false, agent.outputTail()),
                    "agent exited with " + agent.exitCode() + lastLine(agent.outputTail()));
        } else if (commit.isEmpty()) {
            verdict.fail(FailureClass.AGENT_ERROR, "agent made no changes");
        } else if (!verdict.tests.ran()) {
            verdict.fail(
                    FailureClass.TEST_FAILURE,
                    task.testCommand() == null || task.testCommand().isBlank()
                            ? "no test command: the work cannot be verified"
                            : verdict.tests.outputTail());
        } else if (!verdict.tests.passed()) {
            verdict.fail(
                    FailureClassifier.classify(
                            FailureClassifier.Phase.TESTS, verdict.tests.exitCode(), false, verdict.tests.outputTail()),
                    "tests failed with exit code " + verdict.tests.exitCode() + lastLine(verdict.tests.outputTail()));
        }
    }

    /** The worktree's {@code .git} file as git wrote it (null when it cannot be read). */
    private static String readGitLink(Path worktree) {
        try {
            return Files.readString(worktree.resolve(".git"));
        } catch (IOException e) {
            LOG.warnf("could not read %s/.git: %s", worktree, e.getMessage());
            return null;
        }
    }

    /**
     * Writes the worktree's {@code .git} file back as git wrote it before the worker runs git there again: the agent
     * could point it at a repository of its own whose config ({@code core.fsmonitor}, filters) git would run with
     * the worker's rights.
     */
    private static void restoreGitLink(Path worktree, String gitLink) {
        if (gitLink == null) {
            return;
        }
        Path link = worktree.resolve(".git");
        try {
            if (Files.isRegularFile(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    && gitLink.equals(Files.readString(link))) {
                return;
            }
            LOG.warnf("the agent changed %s: restored before the commit", link);
            if (Files.isDirectory(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try (var paths = Files.walk(link)) {
                    for (Path path :
                            paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(path);
                    }
                }
            }
            Files.deleteIfExists(link);
            Files.writeString(link, gitLink);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not restore " + link, e);
        }
    }

    /** The agent's follow-up proposals go out before the result; the file is not committed. */
    private void publishFollowUps(TaskLeased lease, Path worktree) throws InterruptedException {
        try {
            for (TaskProposal proposal : FollowUps.take(worktree, lease)) {
                if (!proposals.publish(proposal, traceContexts.current())) {
                    LOG.warnf(
                            "follow-up '%s' of %s/%s could not be published",
                            proposal.title(),
                            lease.task().specId(),
                            lease.task().taskId());
                }
            }
        } catch (IOException e) {
            LOG.warnf(
                    "follow-ups of %s/%s not read: %s",
                    lease.task().specId(), lease.task().taskId(), e.getMessage());
        }
    }

    /**
     * A known secret value (a provider key of a profile, a secret variable of the worker) the agent wrote into a file
     * is replaced by {@code ***} before the commit: keys never reach a branch.
     */
    private void redactKnownSecrets(Path repository, Path worktree) throws InterruptedException {
        for (String file : worktrees.changedFiles(repository, worktree)) {
            Path path = worktree.resolve(file);
            try {
                if (!Files.isRegularFile(path) || Files.size(path) > 5_000_000) {
                    continue;
                }
                String content = Files.readString(path, java.nio.charset.StandardCharsets.ISO_8859_1);
                if (SecretMasker.containsKnownValue(content)) {
                    Files.writeString(
                            path, SecretMasker.maskKnownValues(content), java.nio.charset.StandardCharsets.ISO_8859_1);
                    LOG.warnf("a secret value written to %s by the agent was redacted before the commit", file);
                }
            } catch (IOException e) {
                LOG.warnf("could not check %s for secrets: %s", file, e.getMessage());
            }
        }
    }

    static String commitMessage(TaskReady task, int attempt) {
        String title = task.title() == null ? "" : task.title().strip().replaceAll("\\s+", " ");
        return task.taskId() + ": " + title + "\n\n"
                + "Forgeline-Task: " + task.specId() + "/" + task.taskId() + "\n"
                + "Forgeline-Attempt: " + attempt;
    }

    private void keepWorktree(TaskLeased lease, Path repository, Path worktree) throws InterruptedException {
        try {
            workspaces.keepFailed(lease.leaseId(), repository, worktree);
            LOG.infof("failed attempt's worktree kept for debugging: %s", worktree);
        } catch (IOException e) {
            LOG.warnf("could not keep worktree %s: %s", worktree, e.getMessage());
            removeWorktree(repository, worktree);
        }
    }

    private void removeWorktree(Path repository, Path worktree) throws InterruptedException {
        try {
            worktrees.remove(repository, worktree, workspace());
        } catch (GitException | IOException e) {
            LOG.warnf("could not remove worktree %s: %s", worktree, e.getMessage());
        }
    }

    private static void requireSafeId(String what, String id) throws IOException {
        if (id == null || !SAFE_ID.matcher(id).matches() || id.contains("..") || id.endsWith(".lock")) {
            throw new IOException(what + " '" + id + "' cannot be used in a branch name or path");
        }
    }

    private static String lastLine(String tail) {
        if (tail == null || tail.isBlank()) {
            return "";
        }
        String[] lines = tail.strip().split("\n");
        return ": " + lines[lines.length - 1];
    }

    /** The facts gathered so far; the first failure recorded is the one reported. */
    private static final class Verdict {
        String baseCommit;
        String commit;
        DiffStats diff = DiffStats.empty();
        TestOutcome tests;
        AgentUsage usage;
        long computeMillis;
        List<String> verificationFlags = List.of();
        FailureClass failureClass;
        String failureDetail;
        Workspaces.Target target;
        String remoteRef;

        boolean failed() {
            return failureClass != null || commit == null || !tests.passed();
        }

        Verdict(String testCommand, AgentUsage usage) {
            this.tests = TestOutcome.notRun(testCommand);
            this.usage = usage;
        }

        void fail(FailureClass failure, String detail) {
            if (failureClass == null) {
                failureClass = failure;
                failureDetail = SecretMasker.mask(detail);
            }
        }

        TaskResult toResult(TaskLeased lease, String nodeName, String branch, Instant startedAt) {
            TaskReady task = lease.task();
            boolean succeeded = failureClass == null && commit != null && tests.passed();
            if (!succeeded && failureClass == null) {
                fail(FailureClass.AGENT_ERROR, "the attempt did not complete");
            }
            return new TaskResult(
                    lease.leaseId(),
                    task.specId(),
                    task.taskId(),
                    nodeName,
                    lease.fencingToken(),
                    lease.attempt(),
                    succeeded,
                    failureClass,
                    failureDetail,
                    task.repository(),
                    task.baseBranch(),
                    branch,
                    baseCommit,
                    commit,
                    diff,
                    tests,
                    usage,
                    computeMillis,
                    startedAt,
                    Instant.now(),
                    verificationFlags,
                    remoteRef,
                    task.project(),
                    task.submittedBy());
        }
    }
}
