package dev.forgeline.review.service;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.DiffStats;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.review.domain.Review;
import dev.forgeline.review.domain.ReviewState;
import dev.forgeline.review.domain.TaskAcceptance;
import dev.forgeline.review.domain.TaskAttemptKey;
import dev.forgeline.review.git.BranchMerger;
import dev.forgeline.review.git.DiffCounter;
import dev.forgeline.review.git.GitException;
import dev.forgeline.review.git.MergeRequest;
import dev.forgeline.review.git.MergeResult;
import dev.forgeline.review.mapping.ReviewMapper;
import dev.forgeline.review.repository.ReviewRepository;
import dev.forgeline.review.repository.TaskAcceptanceRepository;
import dev.forgeline.review.rest.ReviewView;
import dev.forgeline.support.outbox.Outbox;
import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Joins workers' results with the dispatcher's acceptances, triages accepted results and merges them.
 * Only a result whose fencing token the dispatcher accepted (lifecycle SUCCEEDED) is ever triaged, so a
 * zombie worker's stale result never reaches the base branch. Every state change writes its review.outcome
 * to the outbox in the same transaction.
 */
@ApplicationScoped
public class ReviewService {
    static final String AUTO_MERGER = "forgeline";
    private static final Logger LOG = Logger.getLogger(ReviewService.class);
    private static final String CONFLICT_PREFIX = "conflicts with ";

    private final ReviewRepository reviews;
    private final TaskAcceptanceRepository acceptances;
        private final DiffCounter diffs;
    private final BranchMerger merger;
    private final Outbox outbox;

    public ReviewService(ReviewRepository reviews, TaskAcceptanceRepository acceptances, DiffCounter diffs, BranchMerger merger, Outbox outbox) {
        this.reviews = reviews;
        this.acceptances = acceptances;
                this.diffs = diffs;
        this.merger = merger;
        this.outbox = outbox;
    }

    /** Stores a succeeded result; triages it at once if its token was already accepted. Failed results are ignored. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recordResult(TaskResult result) {
        if (!result.succeeded()) {
            return;
        }
        reviews.lockTask(result.specId(), result.taskId());
        TaskAttemptKey key = new TaskAttemptKey(result.specId(), result.taskId(), result.fencingToken());
        if (reviews.findById(key) != null) {
            return; // the same attempt's result sent again
        }
        Review review = new Review();
        review.id = key;
        review.attempt = result.attempt();
        review.repository = result.repository();
        review.baseBranch = result.baseBranch();
        review.branch = result.branch();
        review.baseCommit = result.baseCommit();
        review.commit = result.commit();
        review.testsRan = result.tests() != null && result.tests().ran();
        review.testsPassed = result.tests() != null && result.tests().passed();
        review.state = ReviewState.AWAITING_ACCEPTANCE;
        review.createdAt = Instant.now();
        TaskAcceptance acceptance = acceptances.findById(key);
        if (acceptance != null) {
            review.acceptedAt = acceptance.acceptedAt;
        }
        reviews.persist(review);
        if (acceptance != null) {
            triageAndMerge(review);
        }
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
            acceptance.acceptedAt = Instant.now();
            acceptances.persist(acceptance);
        }
        Review review = reviews.findById(key);
        if (review != null && review.state == ReviewState.AWAITING_ACCEPTANCE) {
            review.acceptedAt = Instant.now();
            triageAndMerge(review);
        }
    }

    @Transactional
    public List<ReviewView> list(Optional<ReviewState> state) {
        return reviews.listNewestFirst(state).stream().map(ReviewMapper::toView).toList();
    }

    @Transactional
    public ReviewView get(String specId, String taskId) {
        return ReviewMapper.toView(current(specId, taskId));
    }

    /**
     * A person approves a pending review: merges it. A conflict keeps it pending (its reason recorded) and
     * answers 409.
     */
    @Transactional(dontRollbackOn = ProblemException.class)
    public ReviewView approve(String specId, String taskId, String reviewer, String reason) {
        reviews.lockTask(specId, taskId);
        Review review = pending(specId, taskId);
        MergeResult result = merge(review, blankToDefault(reviewer, "anonymous"), reason);
        if (result instanceof MergeResult.NotMerged notMerged) {
            throw new ProblemException(409, "https://forgeline.dev/problems/merge-failed", "Merge failed",
                    "cannot merge " + review.branch + ": " + notMerged.reason(), List.of());
        }
        return ReviewMapper.toView(review);
    }

    /** A person rejects a pending review; a reason is required. */
    @Transactional
    public ReviewView reject(String specId, String taskId, String reviewer, String reason) {
        if (reason == null || reason.isBlank()) {
            throw ProblemException.badRequest("https://forgeline.dev/problems/invalid-decision", "Invalid decision",
                    "a rejection needs a reason", List.of(new Problem.ProblemError("reason is required", null, "reason")));
        }
        reviews.lockTask(specId, taskId);
        Review review = pending(specId, taskId);
        review.state = ReviewState.REJECTED;
        review.decidedAt = Instant.now();
        review.decidedBy = blankToDefault(reviewer, "anonymous");
        review.decisionReason = reason.strip();
        announce(review);
        LOG.infof("review %s rejected by %s", review.id, review.decidedBy);
        return ReviewMapper.toView(review);
    }

    private void triageAndMerge(Review review) {
        DiffStats diff = null;
        String diffProblem = null;
        try {
            diff = diffs.diff(Path.of(review.repository), review.baseCommit, review.commit);
        } catch (GitException e) {
            diffProblem = e.getMessage();
        }
        if (diff != null) {
            review.linesAdded = diff.linesAdded();
            review.linesRemoved = diff.linesRemoved();
            review.filesChanged = diff.filesChanged();
        }
        dev.forgeline.review.analysis.ReviewRules rules = dev.forgeline.review.analysis.RulesFile.read(
                Path.of(review.repository), "refs/heads/" + review.baseBranch, 100);
        dev.forgeline.review.analysis.DiffAnalysis analysis = null;
        try {
            analysis = dev.forgeline.review.analysis.DiffAnalyzer.analyze(Path.of(review.repository), review.baseCommit,
                    review.commit, rules);
        } catch (java.io.IOException e) {
            diffProblem = e.getMessage();
        }
        TriageDecision decision = Triage.decide(analysis, diffProblem, rules, review.testsRan, review.testsPassed,
                dev.forgeline.review.analysis.LintOutcome.notConfigured(), List.of());
        review.level = decision.level();
        review.reasons = new ArrayList<>(decision.reasons());
        if (decision.autoMerge()) {
            merge(review, AUTO_MERGER, "auto-merge (level 0)");
        } else {
            review.state = ReviewState.PENDING;
            announce(review);
        }
    }

    /**
     * The git merge is a side effect outside the transaction: it runs first and the database commits after.
     * If that commit fails, the event is handled again and the merger finds the merge already done.
     */
    private MergeResult merge(Review review, String decidedBy, String decisionReason) {
        MergeResult result = merger.merge(new MergeRequest(review.repository, review.baseBranch, review.branch,
                review.baseCommit, review.commit, review.specId(), review.taskId()));
        List<String> reasons = new ArrayList<>(review.reasons.stream().filter(r -> !r.startsWith(CONFLICT_PREFIX)
                && !r.startsWith("not merged: ")).toList());
        if (result instanceof MergeResult.Merged merged) {
            review.state = ReviewState.MERGED;
            review.mergeCommit = merged.mergeCommit();
            review.linesMerged = merged.linesMerged();
            review.decidedAt = Instant.now();
            review.decidedBy = decidedBy;
            review.decisionReason = decisionReason;
            review.reasons = reasons;
            announce(review);
        } else if (result instanceof MergeResult.NotMerged notMerged) {
            LOG.infof("review %s not merged: %s", review.id, notMerged.reason());
            reasons.add(notMerged.conflicts().isEmpty() ? "not merged: " + notMerged.reason() : notMerged.reason());
            review.reasons = reasons;
            review.level = Math.max(1, review.level == null ? 1 : review.level);
            if (review.state != ReviewState.PENDING) {
                review.state = ReviewState.PENDING;
                announce(review);
            }
        }
        return result;
    }

    private void announce(Review review) {
        outbox.append(EventType.REVIEW_OUTCOME, review.specId(), review.taskId(),
                review.specId() + "/" + review.taskId(), ReviewMapper.toOutcome(review));
    }

    /** The review a person acts on: the newest triaged attempt, else the newest result. */
    private Review current(String specId, String taskId) {
        List<Review> all = reviews.forTask(specId, taskId);
        return all.stream().filter(r -> r.state != ReviewState.AWAITING_ACCEPTANCE).findFirst()
                .or(() -> all.stream().findFirst())
                .orElseThrow(() -> ProblemException.notFound("no review of task " + specId + "/" + taskId));
    }

    private Review pending(String specId, String taskId) {
        Review review = current(specId, taskId);
        if (review.state != ReviewState.PENDING) {
            throw new ProblemException(409, "https://forgeline.dev/problems/review-not-pending", "Review not pending",
                    "review of " + specId + "/" + taskId + " is " + review.state, List.of());
        }
        return review;
    }

    private static String blankToDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value.strip();
    }
}
