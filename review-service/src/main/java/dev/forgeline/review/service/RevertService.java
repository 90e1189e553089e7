package dev.forgeline.review.service;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.ProposalOrigin;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.TaskProposal;
import dev.forgeline.review.analysis.DiffAnalyzer;
import dev.forgeline.review.domain.Review;
import dev.forgeline.review.domain.ReviewState;
import dev.forgeline.review.domain.VerifyState;
import dev.forgeline.review.git.BranchMerger;
import dev.forgeline.review.mapping.ReviewMapper;
import dev.forgeline.review.pullrequest.PullRequestFlow;
import dev.forgeline.review.repository.ReviewRepository;
import dev.forgeline.review.rest.ReviewView;
import dev.forgeline.support.outbox.Outbox;
import dev.forgeline.support.problem.ProblemException;
import org.jboss.logging.Logger;

/**
 * Undoes a merge with a revert commit on the base branch: automatically when the repository's verify command
 * fails on main after the merge (and then proposes a fix task to the planner), or by hand. In merge mode
 * pull-request the revert commit goes through a revert pull request, and the merge is REVERTED once that is merged.
 */
@ApplicationScoped
public class RevertService {
    public static final String RED_MAIN = "red_main";
    public static final String MANUAL = "manual";
    private static final Logger LOG = Logger.getLogger(RevertService.class);

    private final ReviewRepository reviews;
    private final BranchMerger merger;
    private final Outbox outbox;
    private final ReviewMetrics metrics;
    private final PullRequestFlow pullRequests;

    public RevertService(
            ReviewRepository reviews,
            BranchMerger merger,
            Outbox outbox,
            ReviewMetrics metrics,
            PullRequestFlow pullRequests) {
        this.reviews = reviews;
        this.merger = merger;
        this.outbox = outbox;
        this.metrics = metrics;
        this.pullRequests = pullRequests;
    }

    /** A person reverts a merge ({@code id}: merge id or merge commit). 404 unknown, 409 when not merged. */
    @Transactional(dontRollbackOn = ProblemException.class)
    public ReviewView revertByHand(String id, String who, String reason) {
        Review found = reviews.findMerge(id).orElseThrow(() -> ProblemException.notFound("no merge " + id));
        reviews.lockTask(found.specId(), found.taskId());
        Review review = reviews.findById(found.id);
        reviews.getEntityManager().refresh(review);
        if (review.state != ReviewState.MERGED) {
            throw new ProblemException(
                    409,
                    "https://forgeline.dev/problems/not-merged",
                    "Not merged",
                    "merge " + id + " of " + review.specId() + "/" + review.taskId() + " is " + review.state,
                    List.of());
        }
        String why = reason == null || reason.isBlank() ? "reverted by hand" : reason.strip();
        String problem = revert(review, MANUAL, ReviewService.blankToDefault(who, "anonymous"), why, null);
        if (problem != null) {
            throw new ProblemException(
                    409, "https://forgeline.dev/problems/revert-failed", "Revert failed", problem, List.of());
        }
        return ReviewMapper.toView(review);
    }

    /** The verify command passed on main after this merge. */
    @Transactional
    public void verified(ReviewKey key, String output) {
        Review review = reviews.findById(key.id());
        if (review != null && review.verifyState == VerifyState.PENDING) {
            review.verifyState = VerifyState.PASSED;
            review.verifiedAt = now();
            review.verifyOutput = DiffAnalyzer.maskSecrets(output);
        }
    }

    /** The verify command failed on main after this merge: revert it, announce REVERTED, propose a fix. */
    @Transactional
    public void verifyFailed(ReviewKey key, String command, int exitCode, String output) {
        reviews.lockTask(key.id().specId, key.id().taskId);
        Review review = reviews.findById(key.id());
        reviews.getEntityManager().refresh(review);
        String masked = DiffAnalyzer.maskSecrets(output);
        review.verifyOutput = masked;
        review.verifiedAt = now();
        review.verifyState = VerifyState.FAILED;
        if (review.state != ReviewState.MERGED) {
            return; // reverted by hand meanwhile
        }
        String reason =
                "verify failed on " + review.baseBranch + " after the merge: " + command + " exited with " + exitCode;
        String problem = revert(review, RED_MAIN, ReviewMapper.AUTO_MERGER, reason, masked);
        if (problem != null) {
            LOG.errorf(
                    "main of %s is red after merging %s and the revert failed: %s",
                    review.repository, review.id, problem);
            List<String> reasons = new ArrayList<>(review.reasons);
            reasons.add(reason + "; the automatic revert failed: " + problem);
            review.reasons = reasons;
        }
    }

    /**
     * @return null when reverted (in merge mode pull-request: when the revert pull request is open), else why not
     *     (nothing changed)
     */
    private String revert(Review review, String trigger, String who, String reason, String verifyOutput) {
        if (pullRequests.handles(review.repository)) {
            return pullRequests.openRevert(review, trigger, who, reason, verifyOutput);
        }
        BranchMerger.RevertResult result = merger.revert(
                review.repository, review.baseBranch, review.mergeCommit, review.specId(), review.taskId(), reason);
        if (!result.reverted()) {
            return result.problem();
        }
        recordReverted(review, trigger, who, reason, result.revertCommit(), verifyOutput);
        return null;
    }

    /** The revert commit is on the base branch: the merge is REVERTED (and a red main gets a fix proposal). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recordReverted(
            Review review, String trigger, String who, String reason, String revertCommit, String verifyOutput) {
        review.state = ReviewState.REVERTED;
        review.revertCommit = revertCommit;
        review.revertedAt = now();
        review.revertedBy = who;
        review.revertTrigger = trigger;
        review.revertReason = reason;
        review.revertPullRequestNumber = null;
        List<String> reasons = new ArrayList<>(review.reasons);
        reasons.add("reverted (" + trigger + ") by " + revertCommit + ": " + reason);
        review.reasons = reasons;
        outbox.append(
                EventType.REVIEW_OUTCOME,
                review.specId(),
                review.taskId(),
                Topics.key(review.specId(), review.taskId()),
                ReviewMapper.toOutcome(review));
        metrics.reverted(trigger);
        if (RED_MAIN.equals(trigger)) {
            outbox.append(
                    EventType.TASK_PROPOSED,
                    review.specId(),
                    review.taskId(),
                    Topics.key(review.specId(), review.taskId()),
                    fixProposal(review, verifyOutput));
        }
        LOG.infof("merge %s of %s reverted (%s) by %s", review.mergeCommit, review.id, trigger, revertCommit);
    }

    private static TaskProposal fixProposal(Review review, String verifyOutput) {
        String verify = review.verifyCommand;
        String title = "Fix what " + review.taskId() + " broke on " + review.baseBranch;
        String text = "Merging task " + review.taskId() + " (branch `" + review.branch + "`, merge "
                + review.mergeCommit
                + ") turned " + review.baseBranch + " red: `" + verify + "` failed, so the merge was reverted by "
                + review.revertCommit + ".\n\nRedo the change of " + review.taskId()
                + " so that the repository's verify command passes with it on " + review.baseBranch + ".\n\n"
                + "Acceptance:\n- the change of " + review.taskId() + " is on " + review.baseBranch + "\n- `" + verify
                + "` passes\nTest command: " + verify + "\n";
        UUID proposalId = UUID.nameUUIDFromBytes(("revert-fix:" + review.mergeCommit).getBytes(StandardCharsets.UTF_8));
        List<String> files = review.diffPatch == null ? List.of() : filesOf(review.diffPatch);
        return new TaskProposal(
                proposalId,
                review.specId(),
                review.taskId(),
                ProposalOrigin.REVERT_FIX,
                title,
                text,
                files,
                review.revertReason,
                verifyOutput);
    }

    private static List<String> filesOf(String patch) {
        List<String> files = new ArrayList<>();
        for (String line : patch.split("\n")) {
            if (line.startsWith("diff --git a/")) {
                String path = line.substring(line.indexOf(" b/") + 3);
                if (!files.contains(path)) {
                    files.add(path);
                }
            }
        }
        return files;
    }

    /** A review's key, handed between the merge queue's transactions. */
    public record ReviewKey(dev.forgeline.review.domain.TaskAttemptKey id) {}

    /** Database precision (microseconds): a time read back equals the one announced. */
    private static Instant now() {
        return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }
}
