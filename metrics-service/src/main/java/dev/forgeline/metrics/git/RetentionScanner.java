package dev.forgeline.metrics.git;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import dev.forgeline.metrics.service.FiguresService;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.blame.BlameResult;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.Edit;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.util.io.DisabledOutputStream;

/**
 * Measures how much task output survives on a branch. Task commits are the non-merge commits reachable from the
 * branch whose message carries a {@code Forgeline-Task: <specId>/<taskId>} trailer (the worker writes one on every
 * attempt's commit; the merge commit carries one too, but a merge adds no lines of its own). Generated lines of a
 * task commit are the lines it added against its first parent; surviving lines are the lines of the branch's
 * current tree that blame attributes to it.
 *
 * <p>Revert commits are not task output, even when they carry the trailer: the review service's revert of a merge
 * ({@code Forgeline-Revert: <merge>} beside the task's {@code Forgeline-Task}) and any commit made by {@code git
 * revert} ("This reverts commit <sha>."). The lines they restore are old lines, not generated ones.
 */
public final class RetentionScanner {
    public static final String TRAILER = "Forgeline-Task";
    /** The trailer the review service writes on the commit that reverts a merge. */
    public static final String REVERT_TRAILER = "Forgeline-Revert";

    private static final Pattern GIT_REVERT_MESSAGE =
            Pattern.compile("^This reverts commit [0-9a-f]{7,64}\\b", Pattern.MULTILINE);

    private RetentionScanner() {}

    /** Lines of one spec generated in one week (Monday, UTC, of the task commit's time) and still on the branch. */
    public record SpecWeek(String specId, LocalDate week, int generated, int surviving) {}

    private record TaskCommit(String specId, LocalDate week, int generated) {}

    /**
     * @param mirror the metrics service's own mirror of the repository (see {@link RepositoryMirrors}), whose
     *               {@code refs/heads/<branch>} is the remote's branch as last fetched
     * @return one row per spec and week, sorted; empty when the branch does not exist
     */
    public static List<SpecWeek> scan(Path mirror, String branch) throws IOException {
        try (Git git = Git.open(mirror.toFile())) {
            Repository repository = git.getRepository();
            ObjectId head = repository.resolve("refs/heads/" + branch);
            if (head == null) {
                return List.of();
            }
            Map<ObjectId, TaskCommit> taskCommits = taskCommits(repository, head);
            Map<ObjectId, Integer> surviving = blame(git, repository, head, taskCommits);
            Map<String, int[]> bySpecWeek = new TreeMap<>();
            taskCommits.forEach((id, commit) -> {
                int[] counts = bySpecWeek.computeIfAbsent(commit.specId() + "\n" + commit.week(), k -> new int[2]);
                counts[0] += commit.generated();
                counts[1] += surviving.getOrDefault(id, 0);
            });
            return bySpecWeek.entrySet().stream()
                    .map(e -> {
                        String[] key = e.getKey().split("\n");
                        return new SpecWeek(key[0], LocalDate.parse(key[1]), e.getValue()[0], e.getValue()[1]);
                    })
                    .toList();
        }
    }

    private static Map<ObjectId, TaskCommit> taskCommits(Repository repository, ObjectId head) throws IOException {
        Map<ObjectId, TaskCommit> commits = new HashMap<>();
        try (RevWalk walk = new RevWalk(repository);
                DiffFormatter diffs = new DiffFormatter(DisabledOutputStream.INSTANCE)) {
            diffs.setRepository(repository);
            walk.markStart(walk.parseCommit(head));
            for (RevCommit commit : walk) {
                if (commit.getParentCount() > 1) {
                    continue;
                }
                List<String> trailer = commit.getFooterLines(TRAILER);
                if (trailer.isEmpty() || isRevert(commit)) {
                    continue;
                }
                String ref = trailer.get(0).strip();
                int slash = ref.lastIndexOf('/');
                if (slash <= 0) {
                    continue;
                }
                String specId = ref.substring(0, slash);
                int generated = 0;
                ObjectId parentTree = commit.getParentCount() == 0
                        ? null
                        : walk.parseCommit(commit.getParent(0)).getTree();
                for (DiffEntry entry : diffs.scan(parentTree, commit.getTree())) {
                    for (Edit edit : diffs.toFileHeader(entry).toEditList()) {
                        generated += edit.getLengthB();
                    }
                }
                LocalDate week = FiguresService.monday(
                        LocalDate.ofInstant(Instant.ofEpochSecond(commit.getCommitTime()), ZoneOffset.UTC));
                commits.put(commit.copy(), new TaskCommit(specId, week, generated));
            }
        }
        return commits;
    }

    private static boolean isRevert(RevCommit commit) {
        return !commit.getFooterLines(REVERT_TRAILER).isEmpty()
                || GIT_REVERT_MESSAGE.matcher(commit.getFullMessage()).find();
    }

    private static Map<ObjectId, Integer> blame(
            Git git, Repository repository, ObjectId head, Map<ObjectId, TaskCommit> taskCommits) throws IOException {
        Map<ObjectId, Integer> surviving = new HashMap<>();
        if (taskCommits.isEmpty()) {
            return surviving;
        }
        try (RevWalk walk = new RevWalk(repository);
                TreeWalk files = new TreeWalk(repository)) {
            files.addTree(walk.parseCommit(head).getTree());
            files.setRecursive(true);
            while (files.next()) {
                BlameResult blame;
                try {
                    blame = git.blame()
                            .setStartCommit(head)
                            .setFilePath(files.getPathString())
                            .call();
                } catch (GitAPIException e) {
                    throw new IOException("cannot blame " + files.getPathString(), e);
                }
                if (blame == null) {
                    continue;
                }
                int lines = blame.getResultContents().size();
                for (int i = 0; i < lines; i++) {
                    RevCommit source = blame.getSourceCommit(i);
                    if (source != null && taskCommits.containsKey(source)) {
                        surviving.merge(source.copy(), 1, Integer::sum);
                    }
                }
            }
        }
        return surviving;
    }
}
