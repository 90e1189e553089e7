package dev.forgeline.review.git;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.forgeline.review.config.ReviewConfig;
import dev.forgeline.review.config.ReviewConfig.MergeMode;
import dev.forgeline.support.git.GitCommand;
import dev.forgeline.support.git.GitException;
import dev.forgeline.support.git.GitFailure;
import dev.forgeline.support.git.GitResult;
import dev.forgeline.support.git.GitRunner;
import dev.forgeline.support.git.InvalidRepositoryUrlException;
import dev.forgeline.support.git.RepositoryUrl;
import org.jboss.logging.Logger;

/**
 * Merges an attempt's commit into its base branch on the repository's remote (merge mode {@code direct}): in the
 * review service's own clone, fetched first (unless the triage has just fetched it), with
 * {@code git merge-tree --write-tree} and {@code git commit-tree} in the bare clone (git 2.38 or later; an older
 * git merges with {@code git merge --no-ff} in a temporary worktree on the local base branch, the same commit but
 * for its dates), then a push of the base branch. One merge at a time per repository (the lock of its clone);
 * merges of different repositories run side by side. A push that lost the race to
 * another push (not a fast-forward) is fetched, merged again on the new base and pushed again, a bounded number
 * of times; a push the remote refuses (a protected branch, a declining hook) ends the merge with nothing changed
 * on the remote and the clone's base branch reset to the remote's.
 *
 * <p>Idempotent: a commit already on the remote's base branch is never merged a second time, its earlier merge
 * is reported instead. This is what makes "merge, then commit the database" safe when the commit fails and the
 * event is handled again.
 */
@ApplicationScoped
public class BranchMerger {
    private static final Logger LOG = Logger.getLogger(BranchMerger.class);
    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)");
    private static final String[] IDENTITY = {"-c", "user.name=Forgeline", "-c", "user.email=forgeline@localhost"};

    private final GitRunner git;
    private final DiffCounter diffs;
    private final ReviewClones clones;
    private final int pushAttempts;
    private volatile Boolean mergeWithoutWorktree;

    @Inject
    public BranchMerger(GitRunner git, DiffCounter diffs, ReviewClones clones, ReviewConfig config) {
        this(git, diffs, clones, config.pushAttempts());
    }

    public BranchMerger(GitRunner git, DiffCounter diffs, ReviewClones clones, int pushAttempts) {
        this(git, diffs, clones, pushAttempts, null);
    }

    /**
     * {@code mergeWithoutWorktree}: merge with {@code git merge-tree} (true) or in a temporary worktree (false);
     * null: with {@code merge-tree} when this machine's git has it (2.38 or later), checked at the first merge.
     */
    public BranchMerger(
            GitRunner git, DiffCounter diffs, ReviewClones clones, int pushAttempts, Boolean mergeWithoutWorktree) {
        this.git = git;
        this.diffs = diffs;
        this.clones = clones;
        this.pushAttempts = Math.max(1, pushAttempts);
        this.mergeWithoutWorktree = mergeWithoutWorktree;
    }

    /** Fetches the repository and the attempt's commit, then merges it. */
    public MergeResult merge(MergeRequest request) {
        return merge(request, false);
    }

    /**
     * Merges an attempt whose commit the caller has just fetched into the clone ({@link ReviewClones#fetchAttempt},
     * as the triage does right before an automatic merge): no second fetch. A base branch that moved since is
     * found by the push, which is then fetched, merged again and pushed again like any lost race.
     */
    public MergeResult mergeFetched(MergeRequest request) {
        return merge(request, true);
    }

    private MergeResult merge(MergeRequest request, boolean attemptFetched) {
        RepositoryUrl url;
        try {
            url = ReviewClones.url(request.repository());
        } catch (InvalidRepositoryUrlException e) {
            return notMerged("repository " + request.repository() + " is not a valid address: " + e.getMessage());
        }
        MergeMode mode = clones.mergeMode(url);
        if (mode != MergeMode.DIRECT) {
            return notMerged(url.display() + " merges through pull requests (merge mode pull-request), not directly");
        }
        Path clone = clones.path(url);
        try {
            return git.locked(clone, () -> mergeLocked(url, clone, request, attemptFetched));
        } catch (GitException e) {
            return notMerged(describe(e, url));
        } catch (UncheckedIOException e) {
            return notMerged("cannot prepare the clone of " + url.display() + ": " + e.getMessage());
        }
    }

    private MergeResult mergeLocked(RepositoryUrl url, Path clone, MergeRequest request, boolean attemptFetched) {
        try {
            if (!attemptFetched || !Files.isDirectory(clone.resolve("objects"))) {
                clones.fetchAttempt(request.repository(), request.fetchRef(), request.commit());
            }
        } catch (GitException e) {
            if (e.failure() != GitFailure.OTHER || !Files.isDirectory(clone.resolve("objects"))) {
                throw e; // the remote's own fault (credentials, reachability, gone): described as such
            }
            return notMerged("commit " + request.commit() + " is not in " + url.display() + " (" + request.fetchRef()
                    + "): " + e.getMessage());
        }
        boolean withoutWorktree = mergesWithoutWorktree();
        String baseRef = ReviewClones.remoteBranch(request.baseBranch());
        if (!exists(clone, baseRef)) {
            return notMerged("branch " + request.baseBranch() + " does not exist in " + url.display());
        }
        for (int attempt = 1; ; attempt++) {
            if (isAncestor(clone, request.commit(), baseRef)) {
                return existingMerge(clone, request, baseRef);
            }
            MergeResult merged = withoutWorktree
                    ? mergeTree(clone, request, baseRef)
                    : inTemporaryWorktree(clone, request.baseBranch(), dir -> mergeIn(dir, request));
            if (!(merged instanceof MergeResult.Merged done)) {
                resetBase(clone, request.baseBranch());
                return merged;
            }
            if (withoutWorktree) {
                // the local base branch is what is pushed, as the worktree's merge leaves it
                git.run(clone, "update-ref", "refs/heads/" + request.baseBranch(), done.mergeCommit());
            }
            Push push = push(clone, url, request.baseBranch());
            if (push == Push.PUSHED) {
                git.run(clone, "update-ref", baseRef, done.mergeCommit());
                LOG.infof(
                        "merged %s into %s of %s as %s",
                        request.branch(), request.baseBranch(), url.display(), done.mergeCommit());
                return done;
            }
            resetBase(clone, request.baseBranch());
            if (push instanceof Push.Refused refused) {
                return notMerged("the remote refused the push of " + request.baseBranch() + " to " + url.display()
                        + ": " + refused.reason() + "; nothing was merged");
            }
            if (attempt >= pushAttempts) {
                return notMerged(request.baseBranch() + " of " + url.display() + " moved on during each of " + attempt
                        + " merges (other pushes); nothing was merged, the next try merges again");
            }
            LOG.infof(
                    "%s of %s moved on while merging %s; fetching and merging again (%d of %d)",
                    request.baseBranch(), url.display(), request.branch(), attempt + 1, pushAttempts);
            clones.fetch(url);
        }
    }

    private MergeResult mergeIn(Path worktree, MergeRequest request) {
        List<String> args = new ArrayList<>(Arrays.asList(IDENTITY));
        args.addAll(List.of(
                "merge",
                "--no-ff",
                "--no-edit",
                "-m",
                "Merge " + request.branch(),
                "-m",
                "Forgeline-Task: " + request.specId() + "/" + request.taskId(),
                request.commit()));
        GitResult merge = git.exec(GitCommand.in(worktree, args));
        if (merge.ok()) {
            String mergeCommit = git.run(worktree, "rev-parse", "HEAD").out();
            int linesMerged =
                    diffs.diff(worktree, mergeCommit + "^1", mergeCommit).linesAdded();
            return new MergeResult.Merged(mergeCommit, linesMerged, false);
        }
        List<String> conflicts = lines(git.exec(GitCommand.in(worktree, "diff", "--name-only", "--diff-filter=U")));
        abortIfMerging(worktree);
        if (!conflicts.isEmpty()) {
            return new MergeResult.NotMerged(
                    "conflicts with " + request.baseBranch() + ": " + String.join(", ", conflicts), conflicts);
        }
        return notMerged("merge into " + request.baseBranch() + " failed: " + firstLine(merge));
    }

    /**
     * The merge made without a worktree: {@code git merge-tree --write-tree} of the remote's base branch and the
     * attempt (exit 1: conflicts, their paths listed), then {@code git commit-tree} of its tree with the base
     * branch and the attempt as parents, the message, trailer and identity of {@link #mergeIn}.
     */
    private MergeResult mergeTree(Path clone, MergeRequest request, String baseRef) {
        GitResult tree = git.exec(GitCommand.in(
                clone, "merge-tree", "--write-tree", "-z", "--name-only", "--no-messages", baseRef, request.commit()));
        if (tree.exitCode() == 1) {
            List<String> conflicts = Arrays.stream(tree.stdout().split("\0"))
                    .skip(1) // the tree, conflict markers and all
                    .filter(path -> !path.isBlank())
                    .toList();
            if (!conflicts.isEmpty()) {
                return new MergeResult.NotMerged(
                        "conflicts with " + request.baseBranch() + ": " + String.join(", ", conflicts), conflicts);
            }
        }
        if (!tree.ok()) {
            return notMerged("merge into " + request.baseBranch() + " failed: " + firstLine(tree));
        }
        String treeId = tree.stdout().split("\0")[0].strip();
        List<String> args = new ArrayList<>(Arrays.asList(IDENTITY));
        args.addAll(List.of(
                "commit-tree",
                treeId,
                "-p",
                baseRef,
                "-p",
                request.commit(),
                "-m",
                "Merge " + request.branch(),
                "-m",
                "Forgeline-Task: " + request.specId() + "/" + request.taskId()));
        String mergeCommit = git.run(GitCommand.in(clone, args)).out();
        int linesMerged = diffs.diff(clone, mergeCommit + "^1", mergeCommit).linesAdded();
        return new MergeResult.Merged(mergeCommit, linesMerged, false);
    }

    /** Whether merges run without a worktree: {@code git merge-tree --write-tree} needs git 2.38 or later. */
    private boolean mergesWithoutWorktree() {
        Boolean decided = mergeWithoutWorktree;
        if (decided == null) {
            GitResult version = git.exec(GitCommand.in(Path.of(System.getProperty("java.io.tmpdir")), "version"));
            decided = version.ok() && supportsMergeTree(version.out());
            if (!decided) {
                LOG.infof(
                        "%s has no git merge-tree --write-tree (2.38): merges run in a temporary worktree",
                        version.ok() ? version.out() : "this git");
            }
            mergeWithoutWorktree = decided;
        }
        return decided;
    }

    /** {@code git version 2.39.5} (and vendor suffixes such as {@code (Apple Git-143)}) is at least 2.38. */
    public static boolean supportsMergeTree(String version) {
        Matcher matcher = VERSION.matcher(version);
        if (!matcher.find()) {
            return false;
        }
        int major = Integer.parseInt(matcher.group(1));
        int minor = Integer.parseInt(matcher.group(2));
        return major > 2 || (major == 2 && minor >= 38);
    }

    private void abortIfMerging(Path worktree) {
        if (exists(worktree, "MERGE_HEAD")) {
            git.run(worktree, "merge", "--abort");
        }
    }

    /** The merge commit that brought {@code commit} into the base branch's first-parent line. */
    private MergeResult existingMerge(Path clone, MergeRequest request, String baseRef) {
        List<String> merges =
                lines(git.run(clone, "rev-list", "--first-parent", "--merges", request.commit() + ".." + baseRef));
        for (String merge : merges) {
            if (isAncestor(clone, request.commit(), merge) && !isAncestor(clone, request.commit(), merge + "^1")) {
                int linesMerged = diffs.diff(clone, merge + "^1", merge).linesAdded();
                return new MergeResult.Merged(merge, linesMerged, true);
            }
        }
        // reached the base branch without a merge commit (fast-forward)
        int linesMerged =
                diffs.diff(clone, request.baseCommit(), request.commit()).linesAdded();
        return new MergeResult.Merged(request.commit(), linesMerged, true);
    }

    // ---- revert ----------------------------------------------------------------------------------------------

    /** How a revert ended: the revert commit on the base branch, or why there is none. */
    public record RevertResult(String revertCommit, boolean alreadyReverted, String problem) {
        public boolean reverted() {
            return revertCommit != null;
        }
    }

    /**
     * Reverts {@code mergeCommit} on {@code baseBranch} of the remote with a revert commit (mainline parent 1 for
     * a merge commit) carrying {@code Forgeline-Revert: <mergeCommit>}, pushed like a merge. Idempotent: a revert
     * already on the remote's branch is reported instead of a second one.
     */
    public RevertResult revert(
            String repository, String baseBranch, String mergeCommit, String specId, String taskId, String reason) {
        RepositoryUrl url;
        try {
            url = ReviewClones.url(repository);
        } catch (InvalidRepositoryUrlException e) {
            return new RevertResult(null, false, repository + " is not a valid address: " + e.getMessage());
        }
        Path clone = clones.path(url);
        try {
            return git.locked(clone, () -> revertLocked(url, clone, baseBranch, mergeCommit, specId, taskId, reason));
        } catch (GitException e) {
            return new RevertResult(null, false, describe(e, url));
        }
    }

    private RevertResult revertLocked(
            RepositoryUrl url,
            Path clone,
            String baseBranch,
            String mergeCommit,
            String specId,
            String taskId,
            String reason) {
        String baseRef = ReviewClones.remoteBranch(baseBranch);
        for (int attempt = 1; ; attempt++) {
            clones.fetch(url);
            if (!exists(clone, baseRef)) {
                return new RevertResult(null, false, "branch " + baseBranch + " does not exist in " + url.display());
            }
            List<String> earlier = lines(git.run(
                    clone,
                    "log",
                    "--format=%H",
                    "--fixed-strings",
                    "--grep=Forgeline-Revert: " + mergeCommit,
                    baseRef));
            if (!earlier.isEmpty()) {
                return new RevertResult(earlier.get(0), true, null);
            }
            if (!clones.hasCommit(clone, mergeCommit) || !isAncestor(clone, mergeCommit, baseRef)) {
                return new RevertResult(null, false, mergeCommit + " is not on " + baseBranch);
            }
            RevertResult made =
                    inTemporaryWorktree(clone, baseBranch, dir -> revertIn(dir, mergeCommit, specId, taskId, reason));
            if (!made.reverted()) {
                resetBase(clone, baseBranch);
                return made;
            }
            Push push = push(clone, url, baseBranch);
            if (push == Push.PUSHED) {
                git.run(clone, "update-ref", baseRef, made.revertCommit());
                LOG.infof("reverted %s on %s as %s (%s)", mergeCommit, url.display(), made.revertCommit(), reason);
                return made;
            }
            resetBase(clone, baseBranch);
            if (push instanceof Push.Refused refused) {
                return new RevertResult(
                        null,
                        false,
                        "the remote refused the push of " + baseBranch + " to " + url.display() + ": "
                                + refused.reason());
            }
            if (attempt >= pushAttempts) {
                return new RevertResult(
                        null,
                        false,
                        baseBranch + " of " + url.display() + " moved on during each of " + attempt
                                + " reverts (other pushes)");
            }
        }
    }

    /**
     * Makes the revert commit of {@code mergeCommit} on top of the remote's {@code baseBranch} and pushes it to
     * {@code branch} (merge mode pull-request: a revert pull request from it), leaving the base branch alone. A
     * revert already on the base branch is reported as {@code alreadyReverted}.
     */
    public RevertResult revertOnBranch(
            String repository,
            String baseBranch,
            String mergeCommit,
            String specId,
            String taskId,
            String reason,
            String branch) {
        RepositoryUrl url;
        try {
            url = ReviewClones.url(repository);
        } catch (InvalidRepositoryUrlException e) {
            return new RevertResult(null, false, repository + " is not a valid address: " + e.getMessage());
        }
        Path clone = clones.path(url);
        try {
            return git.locked(clone, () -> {
                clones.fetch(url);
                String baseRef = ReviewClones.remoteBranch(baseBranch);
                List<String> earlier = lines(git.run(
                        clone,
                        "log",
                        "--format=%H",
                        "--fixed-strings",
                        "--grep=Forgeline-Revert: " + mergeCommit,
                        baseRef));
                if (!earlier.isEmpty()) {
                    return new RevertResult(earlier.get(0), true, null);
                }
                if (!clones.hasCommit(clone, mergeCommit) || !isAncestor(clone, mergeCommit, baseRef)) {
                    return new RevertResult(null, false, mergeCommit + " is not on " + baseBranch);
                }
                RevertResult made = inTemporaryWorktree(
                        clone, baseBranch, dir -> revertIn(dir, mergeCommit, specId, taskId, reason));
                resetBase(clone, baseBranch);
                if (!made.reverted()) {
                    return made;
                }
                GitResult pushed = git.exec(GitCommand.in(
                                clone,
                                "push",
                                "--porcelain",
                                url.toString(),
                                "+" + made.revertCommit() + ":refs/heads/" + branch)
                        .remote(url));
                if (!pushed.ok()) {
                    return new RevertResult(
                            null,
                            false,
                            "cannot push the revert to branch " + branch + " of " + url.display() + ": "
                                    + firstLine(pushed));
                }
                return made;
            });
        } catch (GitException e) {
            return new RevertResult(null, false, describe(e, url));
        }
    }

    private RevertResult revertIn(Path worktree, String mergeCommit, String specId, String taskId, String reason) {
        int parents = git.run(worktree, "rev-list", "--parents", "-n", "1", mergeCommit)
                        .out()
                        .split(" ")
                        .length
                - 1;
        GitResult revert = parents > 1
                ? git.exec(GitCommand.in(worktree, "revert", "--no-commit", "-m", "1", mergeCommit))
                : git.exec(GitCommand.in(worktree, "revert", "--no-commit", mergeCommit));
        if (!revert.ok()) {
            git.exec(GitCommand.in(worktree, "revert", "--abort"));
            git.exec(GitCommand.in(worktree, "reset", "--hard", "HEAD"));
            return new RevertResult(null, false, "git revert of " + mergeCommit + " failed: " + firstLine(revert));
        }
        List<String> args = new ArrayList<>(Arrays.asList(IDENTITY));
        args.addAll(List.of(
                "commit",
                "--allow-empty",
                "-m",
                "Revert " + specId + "/" + taskId + ": " + reason,
                "-m",
                "Forgeline-Revert: " + mergeCommit + "\nForgeline-Task: " + specId + "/" + taskId));
        git.run(GitCommand.in(worktree, args));
        return new RevertResult(git.run(worktree, "rev-parse", "HEAD").out(), false, null);
    }

    // ---- checks on a commit ----------------------------------------------------------------------------------

    /**
     * Runs {@code work} in a temporary detached worktree of the repository's clone at {@code commit} (the
     * repository's verify and lint commands run there), removed afterwards. The clone is fetched first when it
     * does not hold the commit yet.
     */
    public <T> T inDetachedWorktree(String repository, String commit, Function<Path, T> work) {
        RepositoryUrl url = ReviewClones.url(repository);
        Path clone = clones.path(url);
        if (!Files.isDirectory(clone.resolve("objects")) || !clones.hasCommit(clone, commit)) {
            clones.fetch(url);
        }
        Path parent = temporaryDirectory("forgeline-check-");
        Path worktree = parent.resolve("worktree");
        try {
            git.run(clone, "worktree", "add", "--quiet", "--detach", worktree.toString(), commit);
            return work.apply(worktree);
        } finally {
            git.removeWorktree(clone, worktree);
            deleteRecursively(parent);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** The outcome of pushing the base branch. */
    private sealed interface Push {
        Push PUSHED = new Pushed();
        Push STALE = new Stale();

        record Pushed() implements Push {}

        /** Not a fast-forward: someone else pushed since the fetch. */
        record Stale() implements Push {}

        /** The remote declined it (a protected branch, a hook, a dirty checkout of a local target). */
        record Refused(String reason) implements Push {}
    }

    private Push push(Path clone, RepositoryUrl url, String baseBranch) {
        List<String> args = new ArrayList<>(List.of("push", "--porcelain"));
        if (ReviewClones.isLocalWorkTree(url)) {
            // a local non-bare target (the one-machine demo) updates its checkout of the branch itself, and
            // refuses when that checkout has uncommitted changes
            args.add("--receive-pack=git -c receive.denyCurrentBranch=updateInstead receive-pack");
        }
        args.add(url.toString());
        args.add("refs/heads/" + baseBranch + ":refs/heads/" + baseBranch);
        GitResult result = git.exec(GitCommand.in(clone, args).remote(url));
        if (result.ok()) {
            return Push.PUSHED;
        }
        String status = result.stdout()
                .lines()
                .filter(l -> l.startsWith("!"))
                .findFirst()
                .orElse("");
        if (status.contains("[rejected]") && (status.contains("non-fast-forward") || status.contains("fetch first"))) {
            return Push.STALE;
        }
        if (status.contains("[remote rejected]")) {
            String remote = result.stderr()
                    .lines()
                    .filter(l -> l.startsWith("remote:"))
                    .map(l -> l.substring("remote:".length()).strip())
                    .filter(l -> !l.isEmpty())
                    .findFirst()
                    .orElse("");
            String why = status.substring(status.indexOf("[remote rejected]"));
            return new Push.Refused(remote.isEmpty() ? why : why + " (" + remote + ")");
        }
        throw new GitException(
                GitFailure.REJECTED,
                "push " + url.display() + " " + baseBranch,
                result.exitCode(),
                (result.stderr() + "\n" + result.stdout()).strip());
    }

    /** The clone's local base branch is the remote's again (after a merge that was not pushed). */
    private void resetBase(Path clone, String baseBranch) {
        String remote = ReviewClones.remoteBranch(baseBranch);
        if (exists(clone, remote)) {
            git.run(clone, "update-ref", "refs/heads/" + baseBranch, remote);
        }
    }

    private <T> T inTemporaryWorktree(Path clone, String baseBranch, Function<Path, T> work) {
        Path parent = temporaryDirectory("forgeline-merge-");
        Path worktree = parent.resolve("worktree");
        try {
            git.exec(GitCommand.in(clone, "worktree", "prune"));
            // the local base branch starts where the remote's is: nothing left over from an earlier merge counts
            git.run(
                    clone,
                    "worktree",
                    "add",
                    "--quiet",
                    "-f",
                    "-B",
                    baseBranch,
                    worktree.toString(),
                    ReviewClones.remoteBranch(baseBranch));
            return work.apply(worktree);
        } finally {
            try {
                git.removeWorktree(clone, worktree);
            } catch (GitException e) {
                LOG.warnf("could not remove the temporary worktree %s of %s: %s", worktree, clone, e.getMessage());
            }
            deleteRecursively(parent);
        }
    }

    private boolean exists(Path repository, String ref) {
        return git.exec(GitCommand.in(repository, "rev-parse", "--verify", "--quiet", ref))
                .ok();
    }

    private boolean isAncestor(Path repository, String ancestor, String descendant) {
        GitResult result = git.exec(GitCommand.in(repository, "merge-base", "--is-ancestor", ancestor, descendant));
        if (result.exitCode() > 1) {
            throw new GitException(
                    GitFailure.OTHER,
                    "merge-base --is-ancestor " + ancestor + " " + descendant,
                    result.exitCode(),
                    result.stderr());
        }
        return result.ok();
    }

    private static String describe(GitException e, RepositoryUrl url) {
        return switch (e.failure()) {
            case AUTH_FAILED ->
                url.display() + " refused the credentials (forgeline.git.hosts.\"" + url.host()
                        + "\".token-file or ssh-key-file): " + e.getMessage();
            case NOT_FOUND -> url.display() + " was not found: " + e.getMessage();
            case UNREACHABLE -> url.display() + " could not be reached: " + e.getMessage();
            case TIMEOUT -> "git timed out on " + url.display() + ": " + e.getMessage();
            default -> e.getMessage();
        };
    }

    private static List<String> lines(GitResult result) {
        return result.stdout()
                .lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty())
                .toList();
    }

    private static String firstLine(GitResult result) {
        String text = result.stderr().isBlank() ? result.stdout() : result.stderr();
        List<String> lines =
                text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        return lines.stream()
                .filter(l -> l.startsWith("fatal:") || l.startsWith("error:") || l.startsWith("CONFLICT"))
                .findFirst()
                .or(() -> lines.stream().findFirst())
                .orElse("exit code " + result.exitCode());
    }

    private static MergeResult notMerged(String reason) {
        return new MergeResult.NotMerged(reason, List.of());
    }

    private static Path temporaryDirectory(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
}
