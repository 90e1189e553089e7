package dev.forgeline.review;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.forgeline.review.git.BranchMerger;
import dev.forgeline.review.git.DiffCounter;
import dev.forgeline.review.git.MergeRequest;
import dev.forgeline.review.git.MergeResult;
import dev.forgeline.review.git.ReviewClones;
import dev.forgeline.support.git.GitCommand;
import dev.forgeline.support.git.GitCredentials;
import dev.forgeline.support.git.GitResult;
import dev.forgeline.support.git.GitRunner;
import dev.forgeline.testsupport.GitHttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The git work of one auto-merged result, counted: the triage's fetch of the attempt, then the merge, as the
 * review service runs them one after the other, against a real smart-HTTP git server. Prints the git processes
 * per merge by subcommand and the time spent in them (the figures of docs/benchmarks.md, section 5).
 */
class MergeGitCostTest {
    private static final String TOKEN = "merge-cost-" + UUID.randomUUID();
    private static final int MERGES = 10;
    private static GitHttpServer server;

    @TempDir
    Path tmp;

    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> nanos = new ConcurrentHashMap<>();
    private volatile boolean counting;
    private GitRunner git;
    private ReviewClones clones;

    @BeforeAll
    static void startServer() {
        server = GitHttpServer.start().requireToken(TOKEN);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void setUp() throws Exception {
        Path tokenFile = Files.writeString(tmp.resolve("token"), TOKEN + "\n");
        GitRunner.Settings settings = GitRunner.Settings.defaults()
                .withRetries(2, Duration.ofMillis(50))
                .withCredentials(
                        GitCredentials.of(Map.of("127.0.0.1", GitCredentials.Host.token(tokenFile, "x-access-token"))));
        git = new GitRunner(settings) {
            @Override
            public GitResult exec(GitCommand command) {
                long start = System.nanoTime();
                try {
                    return super.exec(command);
                } finally {
                    if (counting) {
                        String name = subcommand(command.args());
                        counts.computeIfAbsent(name, k -> new AtomicLong()).incrementAndGet();
                        nanos.computeIfAbsent(name, k -> new AtomicLong()).addAndGet(System.nanoTime() - start);
                    }
                }
            }
        };
        clones = new ReviewClones(git, tmp.resolve("workspace"));
    }

    @Test
    void anAutoMergedResultFetchesItsAttemptOnceAndMergesWithoutAWorktree() throws Exception {
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).strip();
        // as merges ran before: fetched again by the merge, merged in a temporary worktree
        Cost worktree = measure("worktree", new BranchMerger(git, new DiffCounter(git), clones, 3, false), false);
        // as they run now: the triage's fetch only, merge-tree and commit-tree in the bare clone
        Cost tree = measure("tree", new BranchMerger(git, new DiffCounter(git), clones, 3, true), true);
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).strip();

        System.out.printf(
                "git work per auto-merged result (triage fetch + merge), %d merges each; load average %s -> %s%n%s%s",
                MERGES,
                loadBefore,
                loadAfter,
                worktree.report("fetch again, merge in a worktree"),
                tree.report("fetched once, merge-tree + commit-tree"));

        assertThat(worktree.count("fetch")).isEqualTo(2L * MERGES);
        assertThat(worktree.count("worktree")).isPositive();
        assertThat(tree.count("fetch"))
                .as("one fetch per result: the triage's, none by the merge")
                .isEqualTo((long) MERGES);
        assertThat(tree.count("worktree")).as("no temporary worktree").isZero();
        assertThat(tree.processes()).isLessThan(worktree.processes());
    }

    /** Git processes by subcommand and the time spent in them, over {@link #MERGES} merges. */
    private record Cost(Map<String, Long> counts, Map<String, Long> nanos, long elapsedMillis) {
        long count(String subcommand) {
            return counts.getOrDefault(subcommand, 0L);
        }

        long processes() {
            return counts.values().stream().mapToLong(Long::longValue).sum();
        }

        String report(String label) {
            StringBuilder report = new StringBuilder(String.format(
                    "%s: %.0f ms and %.1f git processes per result%n",
                    label, elapsedMillis / (double) MERGES, processes() / (double) MERGES));
            counts.forEach((name, count) -> report.append(String.format(
                    "  git %-12s %5.1f per merge, %6.0f ms per merge%n",
                    name, count / (double) MERGES, nanos.get(name) / 1e6 / MERGES)));
            return report.toString();
        }
    }

    /**
     * {@link #MERGES} results of one served repository, each fetched as the triage fetches it and then merged
     * ({@code fetched}: with {@link BranchMerger#mergeFetched}); every merge must be on the served main.
     */
    private Cost measure(String name, BranchMerger merger, boolean fetched) {
        GitRepo repo = GitRepo.init(tmp.resolve(name));
        List<GitRepo.Attempt> attempts = new ArrayList<>();
        for (int i = 0; i < MERGES; i++) {
            attempts.add(repo.attemptBranch("s", "T" + i, "file-" + i + ".txt", 3));
        }
        repo.serve(server, name + "-" + UUID.randomUUID().toString().substring(0, 8), TOKEN);
        // the clone exists before the first measured merge, as it does for every merge but a repository's first
        clones.fetch(ReviewClones.url(repo.url()));
        counts.clear();
        nanos.clear();

        counting = true;
        long start = System.nanoTime();
        for (int i = 0; i < MERGES; i++) {
            GitRepo.Attempt attempt = attempts.get(i);
            MergeRequest request = new MergeRequest(
                    repo.url(), "main", attempt.branch(), null, attempt.baseCommit(), attempt.commit(), "s", "T" + i);
            // what the triage does before it decides (the diff itself is read with JGit, no process)
            clones.fetchAttempt(repo.url(), request.fetchRef(), attempt.commit());
            MergeResult result = fetched ? merger.mergeFetched(request) : merger.merge(request);
            assertThat(result).isInstanceOf(MergeResult.Merged.class);
            assertThat(repo.servedMain()).isEqualTo(((MergeResult.Merged) result).mergeCommit());
        }
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        counting = false;

        for (int i = 0; i < MERGES; i++) {
            assertThat(repo.servedFile("file-" + i + ".txt")).isEqualTo("line 1\nline 2\nline 3\n");
        }
        Map<String, Long> countsNow = new TreeMap<>();
        Map<String, Long> nanosNow = new TreeMap<>();
        counts.forEach((k, v) -> countsNow.put(k, v.get()));
        nanos.forEach((k, v) -> nanosNow.put(k, v.get()));
        return new Cost(countsNow, nanosNow, elapsedMillis);
    }

    @Test
    void theWorktreeMergeOfAnOlderGitMakesTheSameMergeAndReportsTheSameConflicts() {
        GitRepo repo = GitRepo.init(tmp.resolve("same"));
        GitRepo.Attempt clean = repo.attemptBranch("s", "T1", "clean.txt", 4);
        GitRepo.Attempt conflicting = repo.attemptBranch("s", "T2", 1, "README.md", "# mine\n");
        repo.commitFile("README.md", "# theirs\n", "a conflicting change on main");
        repo.commitFile("other.txt", "other\n", "main moves on");
        GitRepo viaTree = repo.bareClone(tmp.resolve("via-tree.git"));
        GitRepo viaWorktree = repo.bareClone(tmp.resolve("via-worktree.git"));
        BranchMerger treeMerger = new BranchMerger(git, new DiffCounter(git), clones, 3, true);
        BranchMerger worktreeMerger = new BranchMerger(git, new DiffCounter(git), clones, 3, false);

        MergeResult.Merged byTree = (MergeResult.Merged) treeMerger.merge(localRequest(viaTree, clean, "T1"));
        MergeResult.Merged byWorktree =
                (MergeResult.Merged) worktreeMerger.merge(localRequest(viaWorktree, clean, "T1"));

        assertThat(byTree.linesMerged()).isEqualTo(byWorktree.linesMerged()).isEqualTo(4);
        assertThat(viaTree.rev("main")).isEqualTo(byTree.mergeCommit());
        assertThat(viaWorktree.rev("main")).isEqualTo(byWorktree.mergeCommit());
        for (String what : List.of("%T", "%P", "%an <%ae>", "%cn <%ce>", "%B")) {
            assertThat(viaTree.git("log", "-1", "--format=" + what, byTree.mergeCommit()))
                    .as("the merge's %s", what)
                    .isEqualTo(viaWorktree.git("log", "-1", "--format=" + what, byWorktree.mergeCommit()));
        }
        assertThat(viaTree.git("log", "-1", "--format=%B", byTree.mergeCommit()))
                .isEqualTo("Merge " + clean.branch() + "\n\nForgeline-Task: s/T1");

        MergeResult conflictByTree = treeMerger.merge(localRequest(viaTree, conflicting, "T2"));
        MergeResult conflictByWorktree = worktreeMerger.merge(localRequest(viaWorktree, conflicting, "T2"));
        assertThat(conflictByTree)
                .isEqualTo(conflictByWorktree)
                .isEqualTo(new MergeResult.NotMerged("conflicts with main: README.md", List.of("README.md")));
        assertThat(viaTree.rev("main")).isEqualTo(byTree.mergeCommit());
    }

    @Test
    void mergeTreeIsUsedFromGit238On() {
        assertThat(BranchMerger.supportsMergeTree("git version 2.39.5")).isTrue();
        assertThat(BranchMerger.supportsMergeTree("git version 2.38.0")).isTrue();
        assertThat(BranchMerger.supportsMergeTree("git version 3.0.1")).isTrue();
        assertThat(BranchMerger.supportsMergeTree("git version 2.37.7 (Apple Git-143)"))
                .isFalse();
        assertThat(BranchMerger.supportsMergeTree("git version 1.99.9")).isFalse();
        assertThat(BranchMerger.supportsMergeTree("no version")).isFalse();
    }

    private static MergeRequest localRequest(GitRepo target, GitRepo.Attempt attempt, String taskId) {
        return new MergeRequest(
                "file://" + target.dir.toAbsolutePath(),
                "main",
                attempt.branch(),
                null,
                attempt.baseCommit(),
                attempt.commit(),
                "s",
                taskId);
    }

    /** The git subcommand of a command line, past its {@code -c name=value} options. */
    private static String subcommand(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("-c")) {
                i++;
            } else {
                return args.get(i);
            }
        }
        return "?";
    }
}
