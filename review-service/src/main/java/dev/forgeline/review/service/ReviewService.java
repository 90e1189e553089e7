package dev.forgeline.review.service;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.DecisionKind;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.DecisionRecorded;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.review.analysis.DiffAnalysis;
import dev.forgeline.review.analysis.DiffAnalyzer;
import dev.forgeline.review.analysis.LintOutcome;
import dev.forgeline.review.analysis.ReviewRules;
import dev.forgeline.review.analysis.RulesFile;
import dev.forgeline.review.config.ReviewConfig;
import dev.forgeline.review.domain.AttemptResult;
import dev.forgeline.review.domain.Review;
import dev.forgeline.review.domain.ReviewState;
import dev.forgeline.review.domain.TaskAcceptance;
import dev.forgeline.review.domain.TaskAttemptKey;
import dev.forgeline.review.domain.VerifyState;
import dev.forgeline.review.git.BranchMerger;
import dev.forgeline.review.git.CommandRunner;
import dev.forgeline.review.git.MergeRequest;
import dev.forgeline.review.git.MergeResult;
import dev.forgeline.review.git.ReviewClones;
import dev.forgeline.review.mapping.ReviewMapper;
import dev.forgeline.review.pullrequest.PullRequestFlow;
import dev.forgeline.review.repository.AttemptResultRepository;
import dev.forgeline.review.repository.ReviewRepository;
import dev.forgeline.review.repository.TaskAcceptanceRepository;
import dev.forgeline.review.rest.ReviewDetail;
import dev.forgeline.review.rest.ReviewView;
import dev.forgeline.support.auth.Callers;
import dev.forgeline.support.git.GitException;
import dev.forgeline.support.git.InvalidRepositoryUrlException;
import dev.forgeline.support.outbox.Outbox;
import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.problem.ProblemException;
import dev.forgeline.support.tx.AfterCommit;
import io.quarkus.security.identity.SecurityIdentity;
import org.jboss.logging.Logger;

/**
 * Joins workers' results with the dispatcher's acceptances, triages accepted results and merges them, and takes
 * people's decisions. Only a result whose fencing token the dispatcher accepted (lifecycle SUCCEEDED) is ever
 * triaged, so a zombie worker's stale result never reaches the base branch. Every state change writes its
 * review.outcome (and decision.recorded, review.backlog) to the outbox in the same transaction.
 */
@ApplicationScoped
public class ReviewService {
    private static final Logger LOG = Logger.getLogger(ReviewService.class);
    /** An approval refused because the approver submitted the spec of a change at or above the four-eyes level. */
    public static final String FOUR_EYES_REQUIRED = "https://forgeline.dev/problems/four-eyes-required";

    private static final String CONFLICT_PREFIX = "conflicts with ";
    private static final String NOT_MERGED_PREFIX = "not merged: ";

    private final ReviewRepository reviews;
    private final TaskAcceptanceRepository acceptances;
    private final AttemptResultRepository attemptResults;
    private final BranchMerger merger;
    private final ReviewClones clones;
    private final CommandRunner commands;
    private final Outbox outbox;
    private final AfterCommit afterCommit;
    private final PostMergeVerifier mergeQueue;
    private final BacklogService backlog;
    private final ReviewMetrics metrics;
    private final ReviewConfig config;
    private final PullRequestFlow pullRequests;

    public ReviewService(
            ReviewRepository reviews,
            TaskAcceptanceRepository acceptances,
            AttemptResultRepository attemptResults,
            BranchMerger merger,
            ReviewClones clones,
            CommandRunner commands,
            Outbox outbox,
            AfterCommit afterCommit,
            PostMergeVerifier mergeQueue,
            BacklogService backlog,
            ReviewMetrics metrics,
            ReviewConfig config,
            PullRequestFlow pullRequests) {
        this.reviews = reviews;
        this.acceptances = acceptances;
        this.attemptResults = attemptResults;
        this.merger = merger;
        this.clones = clones;
        this.commands = commands;
        this.outbox = outbox;
        this.afterCommit = afterCommit;
        this.mergeQueue = mergeQueue;
        this.backlog = backlog;
        this.metrics = metrics;
        this.config = config;
        this.pullRequests = pullRequests;
    }

    /**
     * Records every result in the attempt history; stores a succeeded one as a review and triages it at once if
     * its token was already accepted.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recordResult(TaskResult result) {
        reviews.lockTask(result.specId(), result.taskId());
        TaskAttemptKey key = new TaskAttemptKey(result.specId(), result.taskId(), result.fencingToken());
        recordAttempt(key, result);
        if (!result.succeeded()) {
            return;
        }
        if (reviews.findById(key) != null) {
            return; // the same attempt's result sent again
        }
        Review review = new Review();
        review.id = key;
        review.attempt = result.attempt();
        review.repository = result.repository();
        review.project = result.project();
        review.submittedBy = result.submittedBy();
        review.baseBranch = result.baseBranch();
        review.branch = result.branch();
        review.fetchRef = result.fetchRef();
        review.baseCommit = result.baseCommit();
        review.commit = result.commit();
        review.nodeName = result.nodeName();
        review.computeMillis = result.computeMillis();
        if (result.tests() != null) {
            review.testsRan = result.tests().ran();
            review.testsPassed = result.tests().passed();
            review.testCommand = result.tests().command();
            review.testExitCode = result.tests().exitCode();
            review.testDurationMillis = result.tests().durationMillis();
            review.testOutputTail = result.tests().outputTail();
        }
        if (result.usage() != null) {
            review.costUsd = result.usage().costUsd();
            review.costEstimated = result.usage().costEstimated();
            review.inputTokens = result.usage().inputTokens();
            review.outputTokens = result.usage().outputTokens();
            review.agentProfile = result.usage().agentProfile();
            review.model = result.usage().model();
        }
        review.verificationFlags = new ArrayList<>(result.verificationFlags());
        review.state = ReviewState.AWAITING_ACCEPTANCE;
        review.createdAt = now();
        TaskAcceptance acceptance = acceptances.findById(key);
        if (acceptance != null) {
            review.acceptedAt = acceptance.acceptedAt;
        }
        reviews.persist(review);
        if (acceptance != null) {
            triageAndMerge(review);
        }
    }

    private void recordAttempt(TaskAttemptKey key, TaskResult result) {
        if (attemptResults.findById(key) != null) {
            return;
        }
        AttemptResult attempt = new AttemptResult();
        attempt.id = new TaskAttemptKey(key.specId, key.taskId, key.fencingToken);
        attempt.attempt = result.attempt();
        attempt.nodeName = result.nodeName();
        attempt.succeeded = result.succeeded();
        attempt.failureClass = result.failureClass();
        attempt.failureDetail = result.failureDetail();
        attempt.testsPassed = result.tests() != null && result.tests().passed();
        attempt.costUsd = result.usage() == null ? null : result.usage().costUsd();
        attempt.computeMillis = result.computeMillis();
        attempt.finishedAt = result.finishedAt();
        attempt.receivedAt = now();
        attemptResults.persist(attempt);
    }

    /** Records the dispatcher's acceptance of a fencing token and triages its result if it is here. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recordAcceptance(TaskStateChanged change) {
        if (change.state() != TaskState.SUCCEEDED) {
            return;
        }
        reviews.lockTask(change.specId(), change.taskId());
        TaskAttemptKey key = new TaskAttemptKey(change.specId(), change.taskId(), change.fencingToken());
        if (acceptances.findById(key) == null) {
            TaskAcceptance acceptance = new TaskAcceptance();
            acceptance.id = key;
            acceptance.attempt = change.attempt();
            acceptance.acceptedAt = now();
            acceptances.persist(acceptance);
        }
        Review review = reviews.findById(key);
        if (review != null && review.state == ReviewState.AWAITING_ACCEPTANCE) {
            review.acceptedAt = now();
            triageAndMerge(review);
        }
    }

    /** The reviews of the caller's projects. */
    @Transactional
    public List<ReviewView> list(
            Optional<ReviewState> state, Optional<Integer> level, boolean oldestFirst, SecurityIdentity caller) {
        return Callers.visible(caller, reviews.list(state, level, oldestFirst), r -> r.project).stream()
                .map(ReviewMapper::toView)
                .toList();
    }

    /**
     * 404, exactly like a task without a review, unless the caller sees the project of the task's reviews: call
     * before reading or deciding one.
     */
    @Transactional
    public void requireVisible(String specId, String taskId, SecurityIdentity caller) {
        String project = reviews.projectOf(specId, taskId).orElseThrow(() -> noReview(specId, taskId));
        Callers.requireProject(caller, project, () -> noReview(specId, taskId));
    }

    private static ProblemException noReview(String specId, String taskId) {
        return ProblemException.notFound("no review of task " + specId + "/" + taskId);
    }

    @Transactional
    public ReviewView get(String specId, String taskId) {
        return ReviewMapper.toView(current(specId, taskId));
    }

    @Transactional
    public ReviewDetail detail(String specId, String taskId) {
        Review review = current(specId, taskId);
        return ReviewMapper.toDetail(review, reviews.forTask(specId, taskId), attemptResults.forTask(specId, taskId));
    }

    /**
     * A person approves a pending review: merges it. A conflict fails the attempt with MERGE_CONFLICT (the
     * dispatcher runs it again on the new main) and answers 409.
     */
    @Transactional(dontRollbackOn = ProblemException.class)
    public ReviewView approve(String specId, String taskId, String reviewer, String comment) {
        reviews.lockTask(specId, taskId);
        Review review = pending(specId, taskId, false);
        String who = blankToDefault(reviewer, "anonymous");
        requireSecondPerson(review, who);
        decisionRecorded(review, DecisionKind.REVIEW, review.requestedAt, now(), who, "APPROVED");
        if (pullRequests.handles(review.repository)) {
            // the hosting service merges it once the repository's required checks are green
            review.state = ReviewState.CHECKS_PENDING;
            review.decidedAt = now();
            review.decidedBy = who;
            review.decisionReason = comment == null || comment.isBlank() ? "approved" : comment.strip();
            review.pullRequestStatus = "approved; waits for the required checks";
            if (review.requestedAt != null) {
                metrics.decided(
                        DecisionKind.REVIEW.name(),
                        review.level == null ? 1 : review.level,
                        Duration.between(review.requestedAt, review.decidedAt));
            }
            backlog.refresh();
            LOG.infof("review %s approved by %s; its pull request merges once checks are green", review.id, who);
            return ReviewMapper.toView(review);
        }
        MergeResult result = merge(review, who, comment == null || comment.isBlank() ? "approved" : comment.strip());
        backlog.refresh();
        if (result instanceof MergeResult.NotMerged notMerged) {
            throw new ProblemException(
                    409,
                    "https://forgeline.dev/problems/merge-failed",
                    "Merge failed",
                    "cannot merge " + review.branch + ": " + notMerged.reason(),
                    List.of());
        }
        return ReviewMapper.toView(review);
    }

    /**
     * The four-eyes rule: a change at or above {@code forgeline.review.four-eyes-level} is approved by someone other
     * than the identity that submitted its spec (403, nothing changes). A review whose submitter is unknown (from
     * before submitters were recorded) is not held back.
     */
    private void requireSecondPerson(Review review, String approver) {
        int level = review.level == null ? 1 : review.level;
        if (level < config.fourEyesLevel() || review.submittedBy == null || !review.submittedBy.equals(approver)) {
            return;
        }
        String detail = "four-eyes rule: a change of risk level " + level + " needs an approver other than '"
                + approver + "', who submitted its spec; another reviewer may approve it, and you may still"
                + " reject it or request changes";
        throw new ProblemException(
                403,
                FOUR_EYES_REQUIRED,
                "Four eyes required",
                detail,
                List.of(new Problem.ProblemError(detail, null, "reviewer")));
    }

    /** A person rejects a pending review; a comment is required. */
    @Transactional
    public ReviewView reject(String specId, String taskId, String reviewer, String comment) {
        requireComment(comment, "a rejection");
        reviews.lockTask(specId, taskId);
        Review review = pending(specId, taskId, true);
        decide(review, ReviewState.REJECTED, null, reviewer, comment);
        pullRequests.closeQuietly(review, "rejected by " + review.decidedBy + ": " + review.decisionReason);
        decisionRecorded(
                review, DecisionKind.REVIEW, review.requestedAt, review.decidedAt, review.decidedBy, "REJECTED");
        announce(review);
        backlog.refresh();
        LOG.infof("review %s rejected by %s", review.id, review.decidedBy);
        return ReviewMapper.toView(review);
    }

    /**
     * A person sends a pending review back: the attempt fails with CHANGES_REQUESTED and the comment, which the
     * dispatcher hands to the next attempt as its retry context.
     */
    @Transactional
    public ReviewView requestChanges(String specId, String taskId, String reviewer, String comment) {
        requireComment(comment, "a change request");
        reviews.lockTask(specId, taskId);
        Review review = pending(specId, taskId, true);
        decide(review, ReviewState.CHANGES_REQUESTED, FailureClass.CHANGES_REQUESTED, reviewer, comment);
        pullRequests.closeQuietly(
                review, "changes requested by " + review.decidedBy + "; the task runs again with the comments");
        decisionRecorded(
                review,
                DecisionKind.REVIEW,
                review.requestedAt,
                review.decidedAt,
                review.decidedBy,
                "CHANGES_REQUESTED");
        announce(review);
        backlog.refresh();
        LOG.infof("review %s: changes requested by %s", review.id, review.decidedBy);
        return ReviewMapper.toView(review);
    }

    private void decide(Review review, ReviewState state, FailureClass failureClass, String reviewer, String comment) {
        review.state = state;
        review.failureClass = failureClass;
        review.decidedAt = now();
        review.decidedBy = blankToDefault(reviewer, "anonymous");
        review.decisionReason = comment.strip();
    }

    private static void requireComment(String comment, String what) {
        if (comment == null || comment.isBlank()) {
            throw ProblemException.badRequest(
                    "https://forgeline.dev/problems/invalid-decision",
                    "Invalid decision",
                    what + " needs a comment",
                    List.of(new Problem.ProblemError("comment (or reason) is required", null, "comment")));
        }
    }

    private void triageAndMerge(Review review) {
        // the attempt's commit comes from the remote into the review's own clone, never from a worker's disk
        Path clone = null;
        String diffProblem = null;
        try {
            clone = clones.fetchAttempt(review.repository, review.fetchRef(), review.commit);
        } catch (GitException | InvalidRepositoryUrlException e) {
            diffProblem = "cannot fetch " + review.fetchRef() + " of " + review.repository + ": " + e.getMessage();
        }
        ReviewRules rules = rules(clone, review.baseBranch);
        DiffAnalysis analysis = null;
        if (clone != null) {
            try {
                analysis = DiffAnalyzer.analyze(clone, review.baseCommit, review.commit, rules);
            } catch (IOException | RuntimeException e) {
                diffProblem = e.getMessage();
            }
        }
        if (analysis != null) {
            review.linesAdded = analysis.linesAdded();
            review.linesRemoved = analysis.linesRemoved();
            review.filesChanged = analysis.files().size();
            review.diffPatch = analysis.patch();
            List<String> flags = new ArrayList<>(review.verificationFlags);
            analysis.weakenedVerification().stream()
                    .filter(f -> !flags.contains(f))
                    .forEach(flags::add);
            review.verificationFlags = flags;
        }
        LintOutcome lint = lint(review, rules, analysis != null);
        TriageDecision decision = Triage.decide(
                analysis, diffProblem, rules, review.testsRan, review.testsPassed, lint, review.verificationFlags);
        review.level = decision.level();
        review.reasons = new ArrayList<>(decision.reasons());
        review.requestedAt = now();
        metrics.triaged(decision.level());
        followUpChangeRequests(review);
        if (pullRequests.handles(review.repository)) {
            // merge mode pull-request: the sync opens the pull request and moves it on
            review.state = decision.autoMerge() ? ReviewState.CHECKS_PENDING : ReviewState.PENDING;
            review.pullRequestStatus = "the pull request is opened at the next sync";
            announce(review);
        } else if (decision.autoMerge()) {
            // the triage has just fetched the attempt into the clone: the merge does not fetch it again
            merge(review, ReviewMapper.AUTO_MERGER, "auto-merge (level 0)", clone != null);
        } else {
            review.state = ReviewState.PENDING;
            announce(review);
        }
        backlog.refresh();
    }

    private LintOutcome lint(Review review, ReviewRules rules, boolean diffKnown) {
        if (rules.lintCommand() == null || !diffKnown) {
            return LintOutcome.notConfigured();
        }
        CommandRunner.Outcome outcome;
        try {
            outcome = merger.inDetachedWorktree(
                    review.repository,
                    review.commit,
                    dir -> commands.run(dir, rules.lintCommand(), Duration.ofSeconds(rules.commandTimeoutSeconds())));
        } catch (GitException e) {
            outcome = new CommandRunner.Outcome(rules.lintCommand(), -1, false, e.getMessage(), 0);
        }
        review.lintCommand = outcome.command();
        review.lintPassed = outcome.passed();
        review.lintOutputTail = DiffAnalyzer.maskSecrets(outcome.outputTail());
        return new LintOutcome(outcome.command(), outcome.passed(), outcome.exitCode(), review.lintOutputTail);
    }

    /** An earlier attempt of this task was sent back: its REQUEST_CHANGES decision ends now that the rework is here. */
    private void followUpChangeRequests(Review review) {
        for (Review earlier : reviews.forTask(review.specId(), review.taskId())) {
            if (earlier.state == ReviewState.CHANGES_REQUESTED
                    && !earlier.changesFollowedUp
                    && earlier.fencingToken() != review.fencingToken()) {
                earlier.changesFollowedUp = true;
                decisionRecorded(
                        earlier,
                        DecisionKind.REQUEST_CHANGES,
                        earlier.decidedAt,
                        review.requestedAt,
                        earlier.decidedBy,
                        "REWORKED");
            }
        }
    }

    /**
     * The git merge is a side effect outside the transaction: it runs first and the database commits after.
     * If that commit fails, the event is handled again and the merger finds the merge already done.
     */
    private MergeResult merge(Review review, String decidedBy, String decisionReason) {
        return merge(review, decidedBy, decisionReason, false);
    }

    private MergeResult merge(Review review, String decidedBy, String decisionReason, boolean attemptFetched) {
        MergeRequest request = new MergeRequest(
                review.repository,
                review.baseBranch,
                review.branch,
                review.fetchRef(),
                review.baseCommit,
                review.commit,
                review.specId(),
                review.taskId());
        MergeResult result = attemptFetched ? merger.mergeFetched(request) : merger.merge(request);
        return applyMergeResult(review, result, decidedBy, decisionReason, true);
    }

    /**
     * Records how a merge ended. {@code measureDecision}: a person's decision lag ends with this merge (false when
     * it was measured at the approval, as in merge mode pull-request).
     */
    private MergeResult applyMergeResult(
            Review review, MergeResult result, String decidedBy, String decisionReason, boolean measureDecision) {
        List<String> reasons = new ArrayList<>(review.reasons.stream()
                .filter(r -> !r.startsWith(CONFLICT_PREFIX) && !r.startsWith(NOT_MERGED_PREFIX))
                .toList());
        if (result instanceof MergeResult.Merged merged) {
            review.state = ReviewState.MERGED;
            review.mergeCommit = merged.mergeCommit();
            review.mergeId = UUID.nameUUIDFromBytes(("merge:" + merged.mergeCommit()).getBytes());
            review.linesMerged = merged.linesMerged();
            review.decidedAt = now();
            review.decidedBy = decidedBy;
            review.decisionReason = decisionReason;
            review.reasons = reasons;
            String verify = rules(review.repository, review.baseBranch).verifyCommand();
            review.verifyCommand = verify;
            review.verifyState = verify == null ? VerifyState.SKIPPED : VerifyState.PENDING;
            announce(review);
            metrics.merged(review.level == null ? 0 : review.level, ReviewMapper.AUTO_MERGER.equals(decidedBy));
            if (measureDecision && review.requestedAt != null && !ReviewMapper.AUTO_MERGER.equals(decidedBy)) {
                metrics.decided(
                        DecisionKind.REVIEW.name(),
                        review.level,
                        Duration.between(review.requestedAt, review.decidedAt));
            }
            if (verify != null) {
                String repository = review.repository;
                afterCommit.run("verify:" + repository, () -> mergeQueue.wake(repository));
            }
        } else if (result instanceof MergeResult.NotMerged notMerged
                && !notMerged.conflicts().isEmpty()) {
            LOG.infof("review %s conflicts: %s", review.id, notMerged.reason());
            reasons.add(notMerged.reason());
            review.reasons = reasons;
            review.state = ReviewState.FAILED;
            review.failureClass = FailureClass.MERGE_CONFLICT;
            review.decidedAt = now();
            review.decidedBy = decidedBy;
            review.decisionReason = notMerged.reason();
            metrics.conflict();
            announce(review);
        } else if (result instanceof MergeResult.NotMerged notMerged) {
            LOG.infof("review %s not merged: %s", review.id, notMerged.reason());
            reasons.add(NOT_MERGED_PREFIX + notMerged.reason());
            review.reasons = reasons;
            review.level = Math.max(1, review.level == null ? 1 : review.level);
            if (review.state != ReviewState.PENDING) {
                review.state = ReviewState.PENDING;
                announce(review);
            }
        }
        return result;
    }

    /** The rules on the remote's base branch as last fetched into the clone (the defaults without a clone). */
    private ReviewRules rules(Path clone, String baseBranch) {
        if (clone == null) {
            return ReviewRules.defaults(config.autoMergeMaxLines());
        }
        return RulesFile.read(clone, ReviewClones.remoteBranch(baseBranch), config.autoMergeMaxLines());
    }

    private ReviewRules rules(String repository, String baseBranch) {
        try {
            return rules(clones.path(ReviewClones.url(repository)), baseBranch);
        } catch (InvalidRepositoryUrlException e) {
            return rules((Path) null, baseBranch);
        }
    }

    // ---- merge mode pull-request: what the hosting service reports (the caller holds the task's lock) ----------

    /** The pull request was merged: by Forgeline once checks were green, or by a person on the host. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void mergedOnHost(Review review, String mergeCommit, int linesMerged, String mergedByPerson) {
        boolean personMerged = review.decidedBy == null && review.level != null && review.level > 0;
        String decidedBy = review.decidedBy != null
                ? review.decidedBy
                : personMerged ? blankToDefault(mergedByPerson, "anonymous") : ReviewMapper.AUTO_MERGER;
        String reason = review.decisionReason != null
                ? review.decisionReason
                : personMerged ? "merged on the hosting service" : "auto-merge (level 0) once checks were green";
        if (personMerged) {
            decisionRecorded(review, DecisionKind.REVIEW, review.requestedAt, now(), decidedBy, "APPROVED");
        }
        review.pullRequestStatus = "merged";
        applyMergeResult(
                review, new MergeResult.Merged(mergeCommit, linesMerged, false), decidedBy, reason, personMerged);
        backlog.refresh();
    }

    /** The pull request was closed on the host without a merge: the attempt is rejected. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void closedOnHost(Review review, String reason) {
        decide(review, ReviewState.REJECTED, null, "hosting service", reason);
        decisionRecorded(
                review, DecisionKind.REVIEW, review.requestedAt, review.decidedAt, review.decidedBy, "REJECTED");
        review.pullRequestStatus = "closed";
        announce(review);
        backlog.refresh();
    }

    /** The hosting service will not merge: the head conflicts with the base branch. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void conflictOnHost(Review review, String reason) {
        review.pullRequestStatus = "closed: " + reason;
        applyMergeResult(
                review,
                new MergeResult.NotMerged(reason, List.of(reason)),
                blankToDefault(review.decidedBy, ReviewMapper.AUTO_MERGER),
                reason,
                false);
        backlog.refresh();
    }

    /** A required check failed: the task runs again with the check's output as context. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void checksFailed(Review review, String output) {
        review.state = ReviewState.FAILED;
        review.failureClass = FailureClass.TEST_FAILURE;
        review.decidedAt = now();
        review.decidedBy = PullRequestFlow.REQUIRED_CHECKS;
        review.decisionReason = output;
        review.pullRequestStatus = "closed: a required check failed";
        announce(review);
        backlog.refresh();
        LOG.infof("review %s: required checks failed, the task runs again", review.id);
    }

    /** The pull request cannot go on by itself (checks keep failing): a person decides. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void waitForPerson(Review review, String reason) {
        List<String> reasons = new ArrayList<>(review.reasons);
        reasons.add(reason);
        review.reasons = reasons;
        review.level = Math.max(1, review.level == null ? 1 : review.level);
        review.decidedBy = null;
        review.decidedAt = null;
        review.decisionReason = null;
        review.state = ReviewState.PENDING;
        review.requestedAt = now();
        announce(review);
        backlog.refresh();
    }

    public void announce(Review review) {
        outbox.append(
                EventType.REVIEW_OUTCOME,
                review.specId(),
                review.taskId(),
                Topics.key(review.specId(), review.taskId()),
                ReviewMapper.toOutcome(review));
    }

    private void decisionRecorded(
            Review review,
            DecisionKind kind,
            Instant requestedAt,
            Instant decidedAt,
            String decidedBy,
            String outcome) {
        Instant requested = requestedAt != null ? requestedAt : review.createdAt;
        UUID id = UUID.nameUUIDFromBytes((kind + ":" + review.id + ":" + outcome).getBytes());
        outbox.append(
                EventType.DECISION_RECORDED,
                review.specId(),
                review.taskId(),
                Topics.key(review.specId(), review.taskId()),
                new DecisionRecorded(
                        id,
                        review.specId(),
                        review.taskId(),
                        kind,
                        review.level == null ? 0 : review.level,
                        requested,
                        decidedAt,
                        decidedBy,
                        outcome,
                        review.project));
        if (kind == DecisionKind.REQUEST_CHANGES || !"APPROVED".equals(outcome)) {
            metrics.decided(
                    kind.name(), review.level == null ? 0 : review.level, Duration.between(requested, decidedAt));
        }
    }

    /** The review a person acts on: the newest triaged attempt, else the newest result. */
    Review current(String specId, String taskId) {
        List<Review> all = reviews.forTask(specId, taskId);
        return all.stream()
                .filter(r -> r.state != ReviewState.AWAITING_ACCEPTANCE)
                .findFirst()
                .or(() -> all.stream().findFirst())
                .orElseThrow(() -> noReview(specId, taskId));
    }

    /** The review people act on, waiting for a person (or, when {@code orChecks}, for its pull request's checks). */
    private Review pending(String specId, String taskId, boolean orChecks) {
        Review review = current(specId, taskId);
        if (review.state != ReviewState.PENDING && !(orChecks && review.state == ReviewState.CHECKS_PENDING)) {
            throw new ProblemException(
                    409,
                    "https://forgeline.dev/problems/review-not-pending",
                    "Review not pending",
                    "review of " + specId + "/" + taskId + " is " + review.state,
                    List.of());
        }
        return review;
    }

    static String blankToDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    /** Database precision (microseconds): a time read back equals the one announced. */
    private static Instant now() {
        return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }
}
