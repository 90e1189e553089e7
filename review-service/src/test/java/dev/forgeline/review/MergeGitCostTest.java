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
    void anAutoMergedResultFetchesItsAttemptOnceAndMergesWithoutAWorktree() {
        BranchMerger merger = new BranchMerger(git, new DiffCounter(git), clones, 3);
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        List<GitRepo.Attempt> attempts = new ArrayList<>();
        for (int i = 0; i < MERGES; i++) {
            attempts.add(repo.attemptBranch("s", "T" + i, "file-" + i + ".txt", 3));
        }
        repo.serve(server, "cost-" + UUID.randomUUID().toString().substring(0, 8), TOKEN);
        // the clone exists before the first measured merge, as it does for every merge but a repository's first
        clones.fetch(ReviewClones.url(repo.url()));

        counting = true;
        long start = System.nanoTime();
        for (int i = 0; i < MERGES; i++) {
            GitRepo.Attempt attempt = attempts.get(i);
            MergeRequest request = new MergeRequest(
                    repo.url(), "main", attempt.branch(), null, attempt.baseCommit(), attempt.commit(), "s", "T" + i);
            // what the triage does before it decides (the diff itself is read with JGit, no process)
            clones.fetchAttempt(repo.url(), request.fetchRef(), attempt.commit());
            MergeResult result = merger.mergeFetched(request);
            assertThat(result).isInstanceOf(MergeResult.Merged.class);
            assertThat(repo.servedMain()).isEqualTo(((MergeResult.Merged) result).mergeCommit());
        }
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        counting = false;

        long processes = counts.values().stream().mapToLong(AtomicLong::get).sum();
        StringBuilder report = new StringBuilder(String.format(
                "%d merges in %d ms: %.0f ms and %.1f git processes per auto-merged result%n",
                MERGES, elapsedMillis, elapsedMillis / (double) MERGES, processes / (double) MERGES));
        new TreeMap<>(counts)
                .forEach((name, count) -> report.append(String.format(
                        "  git %-12s %5.1f per merge, %6.0f ms per merge%n",
                        name, count.get() / (double) MERGES, nanos.get(name).get() / 1e6 / MERGES)));
        System.out.print(report);

        for (int i = 0; i < MERGES; i++) {
            assertThat(repo.servedFile("file-" + i + ".txt")).isEqualTo("line 1\nline 2\nline 3\n");
        }
        assertThat(counts.getOrDefault("fetch", new AtomicLong()).get())
                .as("one fetch per result: the triage's, none by the merge")
                .isEqualTo((long) MERGES);
        assertThat(counts).as("no temporary worktree").doesNotContainKey("worktree");
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
