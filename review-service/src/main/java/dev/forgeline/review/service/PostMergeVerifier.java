package dev.forgeline.review.service;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.forgeline.review.analysis.RulesFile;
import dev.forgeline.review.config.ReviewConfig;
import dev.forgeline.review.domain.Review;
import dev.forgeline.review.git.BranchMerger;
import dev.forgeline.review.git.CommandRunner;
import dev.forgeline.review.git.ReviewClones;
import dev.forgeline.review.repository.ReviewRepository;
import dev.forgeline.support.background.BackgroundWork;
import dev.forgeline.support.git.GitException;
import dev.forgeline.support.git.InvalidRepositoryUrlException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import org.jboss.logging.Logger;

/**
 * The post-merge half of each repository's merge queue: one worker per repository runs the repository's verify
 * command on every merge, oldest first, one at a time, and reverts a merge whose verify fails. Merges themselves
 * are serialized per repository by {@link BranchMerger} (the lock of the repository's clone). Pending verifications are
 * kept in the database (verify_state PENDING): a sweep picks up any the service did not finish before a restart.
 */
@ApplicationScoped
public class PostMergeVerifier {
    private static final Logger LOG = Logger.getLogger(PostMergeVerifier.class);

    private final ReviewRepository reviews;
    private final BranchMerger merger;
    private final ReviewClones clones;
    private final CommandRunner commands;
    private final RevertService reverts;
    private final ReviewConfig config;
    private final BackgroundWork background;
    private final Map<String, ExecutorService> workers = new ConcurrentHashMap<>();
    private final Map<String, AtomicBoolean> queued = new ConcurrentHashMap<>();

    public PostMergeVerifier(
            ReviewRepository reviews,
            BranchMerger merger,
            ReviewClones clones,
            CommandRunner commands,
            RevertService reverts,
            ReviewConfig config,
            BackgroundWork background) {
        this.background = background;
        this.reviews = reviews;
        this.merger = merger;
        this.clones = clones;
        this.commands = commands;
        this.reverts = reverts;
        this.config = config;
    }

    /** Verifies the repository's pending merges on its own worker (at most one drain queued at a time). */
    public void wake(String repository) {
        AtomicBoolean flag = queued.computeIfAbsent(repository, r -> new AtomicBoolean());
        if (!flag.compareAndSet(false, true)) {
            return;
        }
        workers.computeIfAbsent(
                        repository, r -> background.serial("merge-queue-" + r.substring(r.lastIndexOf('/') + 1)))
                .execute(() -> {
                    flag.set(false);
                    drain(repository);
                });
    }

    @Scheduled(
            every = "${forgeline.review.verify-sweep-interval:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        try {
            List<String> repositories = QuarkusTransaction.requiringNew().call(reviews::repositoriesToVerify);
            repositories.forEach(this::wake);
        } catch (RuntimeException e) {
            LOG.warnf("cannot look for merges to verify (tried again at the next sweep): %s", e.getMessage());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        workers.values().forEach(ExecutorService::shutdownNow);
    }

    private void drain(String repository) {
        try {
            while (true) {
                Optional<Pending> next = QuarkusTransaction.requiringNew()
                        .call(() -> reviews.nextToVerify(repository).map(Pending::of));
                if (next.isEmpty()) {
                    return;
                }
                verify(next.get());
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "verifying the merges of %s failed; the sweep tries again", repository);
        }
    }

    private void verify(Pending merge) {
        int timeout = RulesFile.read(
                        clones.path(ReviewClones.url(merge.repository())),
                        ReviewClones.remoteBranch(merge.baseBranch()),
                        config.autoMergeMaxLines())
                .commandTimeoutSeconds();
        CommandRunner.Outcome outcome;
        try {
            outcome = merger.inDetachedWorktree(
                    merge.repository(),
                    merge.mergeCommit(),
                    dir -> commands.run(dir, merge.command(), Duration.ofSeconds(timeout)));
        } catch (GitException | InvalidRepositoryUrlException e) {
            LOG.warnf(
                    "cannot check out %s of %s to verify it: %s",
                    merge.mergeCommit(), merge.repository(), e.getMessage());
            throw e;
        }
        RevertService.ReviewKey key = new RevertService.ReviewKey(merge.review().id);
        if (outcome.passed()) {
            reverts.verified(key, outcome.outputTail());
        } else {
            LOG.warnf(
                    "verify failed on %s after merging %s: %s exited with %d",
                    merge.baseBranch(), merge.mergeCommit(), merge.command(), outcome.exitCode());
            reverts.verifyFailed(key, merge.command(), outcome.exitCode(), outcome.outputTail());
        }
    }

    private record Pending(Review review, String repository, String baseBranch, String mergeCommit, String command) {
        static Pending of(Review r) {
            return new Pending(r, r.repository, r.baseBranch, r.mergeCommit, r.verifyCommand);
        }
    }
}
