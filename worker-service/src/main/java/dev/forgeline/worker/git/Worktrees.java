package dev.forgeline.worker.git;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.payload.DiffStats;
import dev.forgeline.support.git.GitCommand;
import dev.forgeline.support.git.GitException;
import dev.forgeline.support.git.GitFailure;
import dev.forgeline.support.git.GitResult;
import dev.forgeline.support.git.GitRunner;

/**
 * The git steps of an attempt: a worktree on a fresh branch, the commit of the agent's work, its diff. Every
 * command holds the lock of the repository the worktree belongs to: worktrees share its refs and metadata. A git
 * command interrupted by the worker's shutdown ends in an {@link InterruptedException}.
 */
@ApplicationScoped
public class Worktrees {
    private static final String[] COMMITTER = {
        "-c", "user.name=Forgeline", "-c", "user.email=forgeline@localhost", "-c", "commit.gpgsign=false"
    };
    private final GitRunner git;

    public Worktrees(GitRunner git) {
        this.git = git;
    }

    private String run(Path repository, Path directory, String... args) throws InterruptedException {
        return check(() -> git.run(GitCommand.in(directory, args).lockOn(repository)))
                .stdout();
    }

    private GitResult exec(Path repository, Path directory, String... args) throws InterruptedException {
        return check(() -> git.exec(GitCommand.in(directory, args).lockOn(repository)));
    }

    private static GitResult check(java.util.function.Supplier<GitResult> command) throws InterruptedException {
        try {
            return command.get();
        } catch (GitException e) {
            if (Thread.interrupted()) {
                throw new InterruptedException("git interrupted: " + e.getMessage());
            }
            throw e;
        }
    }

    /** The commit {@code baseBranch} (a branch name or a full ref such as {@code refs/remotes/origin/main}) points at now. */
    public String baseCommit(Path repository, String baseBranch) throws InterruptedException {
        String ref = baseBranch.startsWith("refs/") ? baseBranch : "refs/heads/" + baseBranch;
        GitResult output = exec(repository, repository, "rev-parse", "--verify", "--quiet", ref + "^{commit}");
        if (!output.ok()) {
            throw new GitException(
                    GitFailure.NOT_FOUND,
                    "rev-parse --verify " + ref,
                    output.exitCode(),
                    "base branch '" + baseBranch + "' does not exist in " + repository
                            + (output.stderr().isBlank()
                                    ? ""
                                    : ": " + output.stderr().strip()));
        }
        return output.out();
    }

    /**
     * Checks out {@code baseCommit} on {@code branch} (created or reset) in a new worktree at {@code directory}.
     * A worktree left at that place by an earlier run of the same attempt is removed first.
     */
    public void create(Path repository, String branch, Path directory, String baseCommit)
            throws InterruptedException, IOException {
        if (Files.exists(directory)) {
            exec(repository, repository, "worktree", "remove", "--force", directory.toString());
            deleteRecursively(directory);
        }
        run(repository, repository, "worktree", "prune");
        Files.createDirectories(directory.getParent());
        run(repository, repository, "worktree", "add", "-B", branch, directory.toString(), baseCommit);
    }

    /**
     * Stages everything in the worktree and commits it.
     *
     * @return the new commit, or empty when there was nothing to commit
     */
    public Optional<String> commitAll(Path repository, Path worktree, String message) throws InterruptedException {
        run(repository, worktree, "add", "-A");
        GitResult staged = exec(repository, worktree, "diff", "--cached", "--quiet");
        if (staged.exitCode() == 0) {
            return Optional.empty();
        }
        if (staged.exitCode() != 1) {
            throw new GitException(GitFailure.OTHER, "diff --cached --quiet", staged.exitCode(), staged.stderr());
        }
        List<String> args = new ArrayList<>(List.of(COMMITTER));
        // hooks are off already (core.hooksPath=/dev/null); --no-verify says so for the commit hooks too
        args.addAll(List.of("commit", "--quiet", "--no-verify", "-m", message));
        run(repository, worktree, args.toArray(String[]::new));
        return Optional.of(run(repository, worktree, "rev-parse", "HEAD").strip());
    }

    /** Files changed or added in the worktree (tracked and untracked, not ignored), relative to it. */
    public List<String> changedFiles(Path repository, Path worktree) throws InterruptedException {
        String status = run(repository, worktree, "status", "--porcelain", "-z", "--untracked-files=all");
        List<String> files = new ArrayList<>();
        String[] entries = status.split("\0");
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i];
            if (entry.length() < 4) {
                continue;
            }
            char x = entry.charAt(0);
            files.add(entry.substring(3));
            if (x == 'R' || x == 'C') {
                i++; // the original path of a rename or copy follows
            }
        }
        return files;
    }

    /** Files and lines changed from {@code baseCommit} to the worktree's HEAD (binary files count no lines). */
    public DiffStats diffStats(Path repository, Path worktree, String baseCommit) throws InterruptedException {
        String numstat = run(repository, worktree, "diff", "--numstat", "--no-renames", baseCommit, "HEAD");
        return parseNumstat(numstat);
    }

    /** The unified diff from {@code baseCommit} to the worktree's HEAD (no renames: a moved test reads as deleted + added). */
    public String diff(Path repository, Path worktree, String baseCommit) throws InterruptedException {
        return run(
                repository, worktree, "diff", "--no-renames", "--no-color", "--no-ext-diff", "-U5", baseCommit, "HEAD");
    }

    static DiffStats parseNumstat(String numstat) {
        int added = 0;
        int removed = 0;
        List<String> files = new ArrayList<>();
        for (String line : numstat.split("\n")) {
            String[] fields = line.split("\t", 3);
            if (fields.length < 3) {
                continue;
            }
            added += lines(fields[0]);
            removed += lines(fields[1]);
            files.add(fields[2]);
        }
        return new DiffStats(files.size(), added, removed, files);
    }

    private static int lines(String field) {
        return "-".equals(field) ? 0 : Integer.parseInt(field.strip());
    }

    /** Removes the worktree (the branch stays for review) and the directories it leaves empty. */
    public void remove(Path repository, Path worktree, Path workspace) throws InterruptedException, IOException {
        try {
            run(repository, repository, "worktree", "remove", "--force", worktree.toString());
        } finally {
            deleteRecursively(worktree);
            exec(repository, repository, "worktree", "prune");
            for (Path dir = worktree.getParent();
                    dir != null && dir.startsWith(workspace) && !dir.equals(workspace);
                    dir = dir.getParent()) {
                try {
                    Files.deleteIfExists(dir);
                } catch (DirectoryNotEmptyException e) {
                    break;
                }
            }
        }
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(path);
                } catch (NoSuchFileException e) {
                    // already gone
                }
            }
        }
    }
}
