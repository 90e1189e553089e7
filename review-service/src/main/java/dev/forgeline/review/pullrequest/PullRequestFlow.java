package dev.forgeline.review.pullrequest;

import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.review.analysis.DiffAnalyzer;
import dev.forgeline.review.config.ReviewConfig;
import dev.forgeline.review.config.ReviewConfig.MergeMode;
import dev.forgeline.review.domain.Review;
import dev.forgeline.review.domain.ReviewState;
import dev.forgeline.review.domain.TaskAttemptKey;
import dev.forgeline.review.git.BranchMerger;
import dev.forgeline.review.git.DiffCounter;
import dev.forgeline.review.git.ReviewClones;
import dev.forgeline.review.repository.ReviewRepository;
import dev.forgeline.review.service.RevertService;
import dev.forgeline.review.service.ReviewService;
import dev.forgeline.support.git.GitCommand;
import dev.forgeline.support.git.GitException;
import dev.forgeline.support.git.GitResult;
import dev.forgeline.support.git.GitRunner;
import dev.forgeline.support.git.InvalidRepositoryUrlException;
import dev.forgeline.support.git.RepositoryUrl;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import org.jboss.logging.Logger;

/**
 * Merge mode pull-request: each triaged attempt waits in a pull request (merge request) on its repository's
 * hosting service, and a periodic sync moves it on. It opens the pull request (level and reasons, cost and test
 * outcome in its body, a label per level); takes the reviews people give there as Forgeline decisions (an approval
 * moves the review to CHECKS_PENDING, "changes requested" sends the task back to its agent with the review's
 * comments); waits for the base branch's required checks and merges through the API once they are green; sends a
 * failed required check back to the agent with the check's output, at most {@code check-rounds} times, then leaves
 * the pull request to a person; and notices pull requests merged or closed by people on the host.
 *
 * <p>Every call to the hosting API happens inside the transaction of the one review it concerns (locked per
 * task), so a review never moves twice for one event. A failed or rate-limited call changes nothing but the
 * review's {@code pullRequestStatus}; the next sync asks again, and a rate-limited API is not asked before its
 * reset time.
 */
@ApplicationScoped
public class PullRequestFlow {
    /** Who sends a task back when a required check failed. */
    public static final String REQUIRED_CHECKS = "required checks";

    private static final Logger LOG = Logger.getLogger(PullRequestFlow.class);
    private static final int CHECK_OUTPUT_LIMIT = 4000;
    private static final String REVERT_BRANCH_PREFIX = "forgeline/revert/";
    private static final String REVERT_LABEL = "forgeline-revert";

    private final ReviewRepository reviews;
    private final ReviewService service;
    private final HostingClients hosting;
    private final ReviewClones clones;
    private final DiffCounter diffs;
    private final GitRunner git;
    private final ReviewConfig config;
    private final BranchMerger merger;
    private final RevertService reverts;

    public PullRequestFlow(
            ReviewRepository reviews,
            ReviewService service,
            HostingClients hosting,
            ReviewClones clones,
            DiffCounter diffs,
            GitRunner git,
            ReviewConfig config,
            BranchMerger merger,
            RevertService reverts) {
        this.reviews = reviews;
        this.service = service;
        this.hosting = hosting;
        this.clones = clones;
        this.diffs = diffs;
        this.git = git;
        this.config = config;
        this.merger = merger;
        this.reverts = reverts;
    }

    /** The repository merges through pull requests. */
    public boolean handles(String repository) {
        try {
            return clones.mergeMode(ReviewClones.url(repository)) == MergeMode.PULL_REQUEST;
        } catch (InvalidRepositoryUrlException e) {
            return false;
        }
    }

    @Scheduled(
            every = "${forgeline.review.pull-requests.poll-interval:15s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void syncAll() {
        List<TaskAttemptKey> open;
        try {
            open = QuarkusTransaction.requiringNew().call(reviews::inPullRequestStates);
        } catch (RuntimeException e) {
            LOG.warnf("cannot list the reviews waiting in pull requests (tried again at the next sync): %s", e);
            return;
        }
        for (TaskAttemptKey key : open) {
            try {
                QuarkusTransaction.requiringNew().run(() -> sync(key));
            } catch (RuntimeException e) {
                LOG.warnf(e, "the pull request of %s/%s could not be synced", key.specId, key.taskId);
            }
        }
    }

    /** Moves one review's pull request on as far as it goes now. */
    @Transactional
    public void sync(TaskAttemptKey key) {
        reviews.lockTask(key.specId, key.taskId);
        Review review = reviews.findById(key);
        if (review == null || !handles(review.repository)) {
            return;
        }
        reviews.getEntityManager().refresh(review);
        boolean reverting = review.state == ReviewState.MERGED && review.revertPullRequestNumber != null;
        if (!review.state.inPullRequest() && !reverting) {
            return;
        }
        RepositoryUrl url = ReviewClones.url(review.repository);
        try {
            HostingClient client = hosting.forRepository(url);
            if (reverting) {
                stepRevert(review, client);
                return;
            }
            if (review.pullRequestNumber == null) {
                open(review, url, client);
            }
            step(review, url, client);
        } catch (HostingException e) {
            review.pullRequestStatus = e.retryAt()
                    .map(until -> "the hosting service asked to wait (rate limit) until " + until)
                    .orElse(e.getMessage());
            if (!e.transientFailure()) {
                LOG.warnf("pull request of %s: %s", review.id, e.getMessage());
            }
        } catch (GitException e) {
            review.pullRequestStatus = "git: " + e.getMessage();
        }
    }

    private void open(Review review, RepositoryUrl url, HostingClient client) {
        String head = headBranch(review, url);
        PullRequest pr = client.open(
                head,
                review.baseBranch,
                "Forgeline " + review.specId() + "/" + review.taskId() + " (attempt " + review.attempt + ")",
                body(review),
                List.of(config.pullRequests().labelPrefix() + (review.level == null ? 1 : review.level)));
        review.pullRequestNumber = pr.number();
        review.pullRequestUrl = pr.url();
        LOG.infof("review %s waits in pull request %s", review.id, pr.url());
    }

    private void step(Review review, RepositoryUrl url, HostingClient client) {
        int number = review.pullRequestNumber;
        PullRequest pr = client.get(number);
        if (pr.merged()) {
            service.mergedOnHost(review, pr.mergeCommit(), linesMerged(url, pr.mergeCommit()), pr.mergedBy());
            return;
        }
        if (!pr.open()) {
            service.closedOnHost(review, "the pull request " + pr.url() + " was closed without merging");
            return;
        }
        if (review.state == ReviewState.PENDING) {
            if (!decide(review, client.reviews(number), number)) {
                return;
            }
        }
        List<CheckResult> checks = client.checks(review.baseBranch, pr.headSha());
        List<CheckResult> failed = checks.stream()
                .filter(c -> c.state() == CheckResult.State.FAILURE)
                .toList();
        if (!failed.isEmpty()) {
            checksFailed(review, client, failed);
            return;
        }
        List<CheckResult> waiting = checks.stream()
                .filter(c -> c.state() != CheckResult.State.SUCCESS)
                .toList();
        if (!waiting.isEmpty()) {
            review.pullRequestStatus = "waits for required checks: "
                    + waiting.stream()
                            .map(c -> c.name() + " (" + c.state().name().toLowerCase(java.util.Locale.ROOT) + ")")
                            .collect(Collectors.joining(", "));
            return;
        }
        MergeAttempt merge = client.merge(
                number, pr.headSha(), "Merge " + review.branch + " (" + review.specId() + "/" + review.taskId() + ")");
        if (merge instanceof MergeAttempt.Merged merged) {
            service.mergedOnHost(review, merged.mergeCommit(), linesMerged(url, merged.mergeCommit()), null);
        } else if (merge instanceof MergeAttempt.Conflict conflict) {
            service.conflictOnHost(review, "conflicts with " + review.baseBranch + ": " + conflict.reason());
            client.close(number, "it conflicts with " + review.baseBranch + "; the task runs again on the new base");
        } else if (merge instanceof MergeAttempt.NotYet notYet) {
            review.pullRequestStatus = "the host does not merge it yet: " + notYet.reason();
        }
    }

    /**
     * People's reviews on the host, newest verdict per reviewer: any "changes requested" sends the task back, else
     * an approval approves. True when the review may go on to its checks.
     */
    private boolean decide(Review review, List<PullRequestReview> given, int number) {
        Map<String, PullRequestReview> latest = new LinkedHashMap<>();
        for (PullRequestReview r : given) {
            // a verdict given before this review was (re)requested belongs to an earlier round
            // (hosts give whole seconds)
            boolean current = review.requestedAt == null
                    || !r.submittedAt().isBefore(review.requestedAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
            if (current && r.verdict() != PullRequestReview.Verdict.COMMENTED) {
                latest.put(r.reviewer(), r);
            }
        }
        var changes = latest.values().stream()
                .filter(r -> r.verdict() == PullRequestReview.Verdict.CHANGES_REQUESTED)
                .reduce((a, b) -> b);
        if (changes.isPresent()) {
            PullRequestReview r = changes.get();
            List<String> text = new ArrayList<>();
            if (r.body() != null && !r.body().isBlank()) {
                text.add(r.body().strip());
            }
            text.addAll(r.comments());
            String comment = text.isEmpty() ? "changes requested on pull request #" + number : String.join("\n", text);
            service.requestChanges(review.specId(), review.taskId(), r.reviewer(), comment);
            return false;
        }
        var approval = latest.values().stream()
                .filter(r -> r.verdict() == PullRequestReview.Verdict.APPROVED)
                .reduce((a, b) -> b);
        if (approval.isPresent()) {
            PullRequestReview r = approval.get();
            service.approve(
                    review.specId(),
                    review.taskId(),
                    r.reviewer(),
                    r.body() == null || r.body().isBlank() ? "approved on pull request #" + number : r.body());
            return review.state == ReviewState.CHECKS_PENDING;
        }
        review.pullRequestStatus = "waits for a review on " + review.pullRequestUrl;
        return false;
    }

    private void checksFailed(Review review, HostingClient client, List<CheckResult> failed) {
        String detail = failed.stream()
                .map(c -> "required check " + c.name() + " failed" + (c.url() == null ? "" : " (" + c.url() + ")")
                        + (c.detail() == null ? "" : ": " + c.detail()))
                .collect(Collectors.joining("\n"));
        detail = DiffAnalyzer.maskSecrets(detail);
        if (detail.length() > CHECK_OUTPUT_LIMIT) {
            detail = detail.substring(0, CHECK_OUTPUT_LIMIT) + "\n[truncated]";
        }
        long rounds = reviews.forTask(review.specId(), review.taskId()).stream()
                .filter(r -> r.failureClass == FailureClass.TEST_FAILURE && REQUIRED_CHECKS.equals(r.decidedBy))
                .count();
        if (rounds < config.pullRequests().checkRounds()) {
            service.checksFailed(review, detail);
            client.close(
                    review.pullRequestNumber,
                    "a required check failed; the task runs again with its output (round " + (rounds + 1) + " of "
                            + config.pullRequests().checkRounds() + ")");
            return;
        }
        review.pullRequestStatus = "required checks failed after " + rounds + " rounds; waits for a person: " + detail;
        if (review.state != ReviewState.PENDING) {
            service.waitForPerson(review, "required checks failed after " + rounds + " rounds");
        }
    }

    /**
     * Reverts a merge through a revert pull request: the revert commit is pushed to its own branch, the pull
     * request opened and merged at once when the host allows it, else by the sync once its checks are green.
     *
     * @return null when the revert pull request is open (or the merge already reverted), else why not
     */
    public String openRevert(Review review, String trigger, String who, String reason, String verifyOutput) {
        if (review.revertPullRequestNumber != null) {
            return null;
        }
        String branch =
                REVERT_BRANCH_PREFIX + review.mergeCommit.substring(0, Math.min(12, review.mergeCommit.length()));
        BranchMerger.RevertResult made = merger.revertOnBranch(
                review.repository,
                review.baseBranch,
                review.mergeCommit,
                review.specId(),
                review.taskId(),
                reason,
                branch);
        if (!made.reverted()) {
            return made.problem();
        }
        if (made.alreadyReverted()) {
            reverts.recordReverted(review, trigger, who, reason, made.revertCommit(), verifyOutput);
            return null;
        }
        review.revertTrigger = trigger;
        review.revertedBy = who;
        review.revertReason = reason;
        try {
            HostingClient client = hosting.forRepository(ReviewClones.url(review.repository));
            PullRequest pr = client.open(
                    branch,
                    review.baseBranch,
                    "Revert " + review.specId() + "/" + review.taskId() + ": " + reason,
                    "Forgeline reverts merge " + review.mergeCommit + " of task `" + review.specId() + "/"
                            + review.taskId() + "` (" + trigger + "): " + reason + "\n",
                    List.of(REVERT_LABEL));
            review.revertPullRequestNumber = pr.number();
            review.revertPullRequestUrl = pr.url();
            review.pullRequestStatus = "revert pull request " + pr.url() + " opened";
            stepRevert(review, client);
            return null;
        } catch (HostingException e) {
            return "cannot open the revert pull request: " + e.getMessage();
        }
    }

    private void stepRevert(Review review, HostingClient client) {
        int number = review.revertPullRequestNumber;
        PullRequest pr = client.get(number);
        if (pr.merged()) {
            reverts.recordReverted(
                    review,
                    review.revertTrigger,
                    review.revertedBy,
                    review.revertReason,
                    pr.headSha(),
                    review.verifyOutput);
            return;
        }
        if (!pr.open()) {
            review.revertPullRequestNumber = null;
            review.pullRequestStatus = "the revert pull request " + review.revertPullRequestUrl
                    + " was closed without merging; the merge stays";
            return;
        }
        List<CheckResult> checks = client.checks(review.baseBranch, pr.headSha());
        List<CheckResult> notGreen = checks.stream()
                .filter(c -> c.state() != CheckResult.State.SUCCESS)
                .toList();
        if (!notGreen.isEmpty()) {
            review.pullRequestStatus = "the revert pull request " + pr.url() + " waits for its checks: "
                    + notGreen.stream()
                            .map(c -> c.name() + " (" + c.state().name().toLowerCase(java.util.Locale.ROOT) + ")")
                            .collect(Collectors.joining(", "));
            return;
        }
        MergeAttempt merge = client.merge(number, pr.headSha(), "Revert " + review.specId() + "/" + review.taskId());
        if (merge instanceof MergeAttempt.Merged) {
            reverts.recordReverted(
                    review,
                    review.revertTrigger,
                    review.revertedBy,
                    review.revertReason,
                    pr.headSha(),
                    review.verifyOutput);
        } else if (merge instanceof MergeAttempt.Conflict conflict) {
            review.pullRequestStatus = "the revert pull request " + pr.url() + " conflicts: " + conflict.reason()
                    + "; a person resolves it";
        } else if (merge instanceof MergeAttempt.NotYet notYet) {
            review.pullRequestStatus = "the host does not merge the revert pull request yet: " + notYet.reason();
        }
    }

    /** Closes the pull request of a review people decided in Forgeline; a failure is logged, never thrown. */
    public void closeQuietly(Review review, String reason) {
        if (review.pullRequestNumber == null) {
            return;
        }
        try {
            hosting.forRepository(ReviewClones.url(review.repository)).close(review.pullRequestNumber, reason);
        } catch (RuntimeException e) {
            LOG.warnf("could not close pull request %s: %s", review.pullRequestUrl, e.getMessage());
        }
    }

    /** The branch the pull request is opened from: the worker's, or one the review pushes the commit to. */
    private String headBranch(Review review, RepositoryUrl url) {
        String ref = review.fetchRef();
        if (ref.startsWith("refs/heads/")) {
            return ref.substring("refs/heads/".length());
        }
        String branch = config.pullRequests().headBranchPrefix() + review.branch;
        var clone = clones.fetchAttempt(review.repository, ref, review.commit);
        GitResult pushed = git.exec(
                GitCommand.in(clone, "push", "--porcelain", url.toString(), review.commit + ":refs/heads/" + branch)
                        .remote(url));
        if (!pushed.ok()) {
            throw new HostingException(
                    0,
                    "cannot push " + review.commit + " to branch " + branch + " of " + url.display() + ": "
                            + pushed.stderr().strip(),
                    null);
        }
        return branch;
    }

    private int linesMerged(RepositoryUrl url, String mergeCommit) {
        var clone = clones.fetch(url);
        if (!clones.hasCommit(clone, mergeCommit)) {
            return 0;
        }
        return diffs.diff(clone, mergeCommit + "^1", mergeCommit).linesAdded();
    }

    static String body(Review review) {
        StringBuilder b = new StringBuilder();
        int level = review.level == null ? 1 : review.level;
        b.append("Forgeline task `")
                .append(review.specId())
                .append('/')
                .append(review.taskId())
                .append("`, attempt ")
                .append(review.attempt)
                .append(review.nodeName == null ? "" : " on node " + review.nodeName)
                .append(".\n\n");
        b.append("**Review level ")
                .append(level)
                .append("**: ")
                .append(levelName(level))
                .append('\n');
        for (String reason : review.reasons) {
            b.append("- ").append(reason).append('\n');
        }
        b.append("\n| | |\n|---|---|\n");
        if (review.testsRan) {
            b.append("| Tests | `")
                    .append(review.testCommand == null ? "tests" : review.testCommand)
                    .append("` ")
                    .append(review.testsPassed ? "passed" : "failed")
                    .append(review.testExitCode == null ? "" : " (exit " + review.testExitCode + ")")
                    .append(" |\n");
        } else {
            b.append("| Tests | not run |\n");
        }
        if (review.lintCommand != null) {
            b.append("| Lint | `")
                    .append(review.lintCommand)
                    .append("` ")
                    .append(Boolean.TRUE.equals(review.lintPassed) ? "passed" : "failed")
                    .append(" |\n");
        }
        if (review.linesAdded != null) {
            b.append("| Change | +")
                    .append(review.linesAdded)
                    .append(" -")
                    .append(review.linesRemoved)
                    .append(" in ")
                    .append(review.filesChanged)
                    .append(" files |\n");
        }
        if (review.costUsd != null) {
            b.append("| Cost | $")
                    .append(review.costUsd.setScale(4, RoundingMode.HALF_UP).toPlainString())
                    .append(review.costEstimated ? " (estimated)" : "")
                    .append(review.model == null ? "" : ", " + review.model)
                    .append(" |\n");
        }
        if (review.computeMillis != null) {
            b.append("| Compute | ")
                    .append(Duration.ofMillis(review.computeMillis).toSeconds())
                    .append(" s |\n");
        }
        if (!review.verificationFlags.isEmpty()) {
            b.append("| Flags | ")
                    .append(String.join(", ", review.verificationFlags))
                    .append(" |\n");
        }
        b.append('\n')
                .append(
                        level == 0
                                ? "Level 0: Forgeline merges this once the required checks are green."
                                : "Approve to merge once the required checks are green; \"Request changes\" sends the task"
                                        + " back to its agent with your comments; closing it rejects the attempt.")
                .append('\n');
        return b.toString();
    }

    private static String levelName(int level) {
        return switch (level) {
            case 0 -> "auto-merge";
            case 1 -> "quick scan";
            case 2 -> "full review";
            default -> "pair review";
        };
    }
}
