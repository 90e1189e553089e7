package dev.forgeline.review.git;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

/**
 * Merges an attempt's commit into its base branch with {@code git merge --no-ff}. Idempotent: a commit already
 * on the base branch is never merged a second time, its earlier merge is reported instead. This is what makes
 * "merge, then commit the database" safe when the commit fails and the event is handled again.
 */
@ApplicationScoped
public class BranchMerger {
    private static final Logger LOG = Logger.getLogger(BranchMerger.class);

    private final Git git;
    private final DiffCounter diffs;
    private final RepositoryLocks locks;

    public BranchMerger(Git git, DiffCounter diffs, RepositoryLocks locks) {
        this.git = git;
        this.diffs = diffs;
        this.locks = locks;
    }

    public MergeResult merge(MergeRequest request) {
        Path repository = Path.of(request.repository());
        if (!Files.isDirectory(repository)) {
            return notMerged("repository " + request.repository() + " is not a local directory");
        }
        try (RepositoryLocks.Held ignored = locks.lock(repository)) {
            return mergeLocked(repository, request);
        } catch (GitException e) {
            return notMerged(e.getMessage());
        }
    }

    private MergeResult mergeLocked(Path repository, MergeRequest request) {
        String baseRef = "refs/heads/" + request.baseBranch();
        if (!git.run(repository, "rev-parse", "--verify", "--quiet", request.commit() + "^{commit}")
                .ok()) {
            return notMerged("commit " + request.commit() + " is not in " + request.repository());
        }
        if (!git.run(repository, "rev-parse", "--verify", "--quiet", baseRef).ok()) {
            return notMerged("branch " + request.baseBranch() + " does not exist in " + request.repository());
        }
        if (isAncestor(repository, request.commit(), baseRef)) {
            return existingMerge(repository, request, baseRef);
        }

        Optional<Worktree> holder = worktrees(repository).stream()
                .filter(w -> !w.bare() && baseRef.equals(w.branch()))
                .findFirst();
        if (holder.isPresent()) {
            Path dir = holder.get().path();
            // untracked files cannot be lost: git merge refuses to overwrite them itself
            if (!git.check(dir, "status", "--porcelain", "--untracked-files=no")
                    .lines()
                    .isEmpty()) {
                return notMerged(dir + " has " + request.baseBranch() + " checked out with uncommitted changes");
            }
            return mergeIn(dir, request);
        }
        return mergeInTemporaryWorktree(repository, request);
    }

    private MergeResult mergeInTemporaryWorktree(Path repository, MergeRequest request) {
        return inTemporaryWorktree(repository, request.baseBranch(), dir -> mergeIn(dir, request));
    }

    private <T> T inTemporaryWorktree(Path repository, String baseBranch, Function<Path, T> work) {
        Path parent;
        try {
            parent = Files.createTempDirectory("forgeline-merge-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path worktree = parent.resolve("worktree");
        try {
            git.check(repository, "worktree", "add", worktree.toString(), baseBranch);
            return work.apply(worktree);
        } finally {
            if (!git.run(repository, "worktree", "remove", "--force", worktree.toString())
                    .ok()) {
                LOG.warnf("could not remove the temporary worktree %s of %s", worktree, repository);
            }
            git.run(repository, "worktree", "prune");
            deleteRecursively(parent);
        }
    }

    private MergeResult mergeIn(Path worktree, MergeRequest request) {
        GitResult merge = runMerge(worktree, request);
        for (int retry = 1; retry <= Git.LOCK_RETRIES && !merge.ok() && indexLockedDuringMerge(merge); retry++) {
            // a merge that lost the index lock half-way leaves MERGE_HEAD behind: undo it, then try again
            abortIfMerging(worktree);
            Git.pauseBeforeRetry(retry);
            merge = runMerge(worktree, request);
        }
        if (merge.ok()) {
            String mergeCommit =
                    git.check(worktree, "rev-parse", "HEAD").stdout().strip();
            int linesMerged =
                    diffs.diff(worktree, mergeCommit + "^1", mergeCommit).linesAdded();
            LOG.infof("merged %s into %s as %s", request.branch(), request.baseBranch(), mergeCommit);
            return new MergeResult.Merged(mergeCommit, linesMerged, false);
        }
        List<String> conflicts =
                git.run(worktree, "diff", "--name-only", "--diff-filter=U").lines();
        abortIfMerging(worktree);
        if (!conflicts.isEmpty()) {
            return new MergeResult.NotMerged(
                    "conflicts with " + request.baseBranch() + ": " + String.join(", ", conflicts), conflicts);
        }
        return notMerged("merge into " + request.baseBranch() + " failed: " + merge.firstMessageLine());
    }

    private GitResult runMerge(Path worktree, MergeRequest request) {
        return git.run(
                worktree,
                "-c",
                "user.name=Forgeline",
                "-c",
                "user.email=forgeline@localhost",
                "merge",
                "--no-ff",
                "-m",
                "Merge " + request.branch(),
                "-m",
                "Forgeline-Task: " + request.specId() + "/" + request.taskId(),
                request.commit());
    }

    /** Besides "index.lock" (retried by {@link Git}), a merge reports a lost index lock as this. */
    private static boolean indexLockedDuringMerge(GitResult merge) {
        return Git.lockContention(merge) || merge.stderr().contains("Unable to write index");
    }

    private void abortIfMerging(Path worktree) {
        if (git.run(worktree, "rev-parse", "--verify", "--quiet", "MERGE_HEAD").ok()) {
            git.check(worktree, "merge", "--abort");
        }
    }

    /** The merge commit that brought {@code commit} into the base branch's first-parent line. */
    private MergeResult existingMerge(Path repository, MergeRequest request, String baseRef) {
        List<String> merges = git.check(
                        repository, "rev-list", "--first-parent", "--merges", request.commit() + ".." + baseRef)
                .lines();
        for (String merge : merges) {
            if (isAncestor(repository, request.commit(), merge)
                    && !isAncestor(repository, request.commit(), merge + "^1")) {
                int linesMerged = diffs.diff(repository, merge + "^1", merge).linesAdded();
                return new MergeResult.Merged(merge, linesMerged, true);
            }
        }
        // reached the base branch without a merge commit (fast-forward)
        int linesMerged =
                diffs.diff(repository, request.baseCommit(), request.commit()).linesAdded();
        return new MergeResult.Merged(request.commit(), linesMerged, true);
    }

    private boolean isAncestor(Path repository, String ancestor, String descendant) {
        GitResult result = git.run(repository, "merge-base", "--is-ancestor", ancestor, descendant);
        if (result.exitCode() > 1) {
            throw new GitException(
                    "cannot tell whether " + ancestor + " is in " + descendant + ": " + result.firstMessageLine());
        }
        return result.ok();
    }

    private List<Worktree> worktrees(Path repository) {
        List<Worktree> worktrees = new ArrayList<>();
        Path path = null;
        String branch = null;
        boolean bare = false;
        for (String line :
                (git.check(repository, "worktree", "list", "--porcelain").stdout() + "\n\n").split("\n", -1)) {
            if (line.startsWith("worktree ")) {
                path = Path.of(line.substring("worktree ".length()));
            } else if (line.startsWith("branch ")) {
                branch = line.substring("branch ".length());
            } else if (line.equals("bare")) {
                bare = true;
            } else if (line.isBlank() && path != null) {
                worktrees.add(new Worktree(path, branch, bare));
                path = null;
                branch = null;
                bare = false;
            }
        }
        return worktrees;
    }

    /** How a revert ended: the revert commit on the base branch, or why there is none. */
    public record RevertResult(String revertCommit, boolean alreadyReverted, String problem) {
        public boolean reverted() {
            return revertCommit != null;
        }
    }

    /**
     * Reverts {@code mergeCommit} on {@code baseBranch} with a revert commit (mainline parent 1 for a merge
     * commit) carrying {@code Forgeline-Revert: <mergeCommit>}. Idempotent: a revert already on the branch is
     * reported instead of a second one.
     */
    public RevertResult revert(
            String repositoryPath, String baseBranch, String mergeCommit, String specId, String taskId, String reason) {
        Path repository = Path.of(repositoryPath);
        try (RepositoryLocks.Held ignored = locks.lock(repository)) {
            String baseRef = "refs/heads/" + baseBranch;
            List<String> earlier = git.check(
                            repository,
                            "log",
                            "--format=%H",
                            "--fixed-strings",
                            "--grep=Forgeline-Revert: " + mergeCommit,
                            baseRef)
                    .lines();
            if (!earlier.isEmpty()) {
                return new RevertResult(earlier.get(0), true, null);
            }
            if (!isAncestor(repository, mergeCommit, baseRef)) {
                return new RevertResult(null, false, mergeCommit + " is not on " + baseBranch);
            }
            Optional<Worktree> holder = worktrees(repository).stream()
                    .filter(w -> !w.bare() && baseRef.equals(w.branch()))
                    .findFirst();
            if (holder.isPresent()) {
                Path dir = holder.get().path();
                if (!git.check(dir, "status", "--porcelain", "--untracked-files=no")
                        .lines()
                        .isEmpty()) {
                    return new RevertResult(
                            null, false, dir + " has " + baseBranch + " checked out with uncommitted changes");
                }
                return revertIn(dir, mergeCommit, specId, taskId, reason);
            }
            return inTemporaryWorktree(
                    repository, baseBranch, dir -> revertIn(dir, mergeCommit, specId, taskId, reason));
        } catch (GitException e) {
            return new RevertResult(null, false, e.getMessage());
        }
    }

    private RevertResult revertIn(Path worktree, String mergeCommit, String specId, String taskId, String reason) {
        int parents = git.check(worktree, "rev-list", "--parents", "-n", "1", mergeCommit)
                        .stdout()
                        .strip()
                        .split(" ")
                        .length
                - 1;
        GitResult revert = parents > 1
                ? git.run(worktree, "revert", "--no-commit", "-m", "1", mergeCommit)
                : git.run(worktree, "revert", "--no-commit", mergeCommit);
        if (!revert.ok()) {
            git.run(worktree, "revert", "--abort");
            git.run(worktree, "reset", "--hard", "HEAD");
            return new RevertResult(
                    null, false, "git revert of " + mergeCommit + " failed: " + revert.firstMessageLine());
        }
        git.check(
                worktree,
                "-c",
                "user.name=Forgeline",
                "-c",
                "user.email=forgeline@localhost",
                "commit",
                "--allow-empty",
                "-m",
                "Revert " + specId + "/" + taskId + ": " + reason,
                "-m",
                "Forgeline-Revert: " + mergeCommit + "\nForgeline-Task: " + specId + "/" + taskId);
        String revertCommit = git.check(worktree, "rev-parse", "HEAD").stdout().strip();
        LOG.infof("reverted %s as %s (%s)", mergeCommit, revertCommit, reason);
        return new RevertResult(revertCommit, false, null);
    }

    /**
     * Runs {@code work} in a temporary detached worktree at {@code commit} (the repository's verify and lint
     * commands run there, never in a person's checkout), removed afterwards.
     */
    public <T> T inDetachedWorktree(String repositoryPath, String commit, Function<Path, T> work) {
        Path repository = Path.of(repositoryPath);
        Path parent;
        try {
            parent = Files.createTempDirectory("forgeline-check-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path worktree = parent.resolve("worktree");
        try {
            git.check(repository, "worktree", "add", "--detach", worktree.toString(), commit);
            return work.apply(worktree);
        } finally {
            git.run(repository, "worktree", "remove", "--force", worktree.toString());
            git.run(repository, "worktree", "prune");
            deleteRecursively(parent);
        }
    }

    private static MergeResult notMerged(String reason) {
        return new MergeResult.NotMerged(reason, List.of());
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warnf("could not delete %s: %s", dir, e.getMessage());
        }
    }

    private record Worktree(Path path, String branch, boolean bare) {}
}
