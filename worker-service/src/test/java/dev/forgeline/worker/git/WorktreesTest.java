package dev.forgeline.worker.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.forgeline.contracts.payload.DiffStats;
import dev.forgeline.support.git.GitException;
import dev.forgeline.support.git.GitRunner;
import dev.forgeline.worker.TestRepositories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorktreesTest {
    @TempDir
    Path temp;

    private final GitRunner git = new GitRunner(GitRunner.Settings.defaults().withRetries(3, Duration.ofMillis(200)));
    private final Worktrees worktrees = new Worktrees(git);

    @Test
    void anAttemptBranchCarriesTheCommitAndItsDiffAfterTheWorktreeIsGone() throws Exception {
        Path repository = TestRepositories.create(temp.resolve("repos"));
        Path workspace = temp.resolve("workspace");
        Path worktree = workspace.resolve("spec-1/T1/a1");
        String base = worktrees.baseCommit(repository, "main");

        worktrees.create(repository, "forgeline/spec-1/T1/a1", worktree, base);
        Files.writeString(worktree.resolve("README.md"), "replaced\n");
        Files.writeString(worktree.resolve("new.txt"), "one\ntwo\nthree\n");
        Files.write(worktree.resolve("blob.bin"), new byte[] {0, 1, 2, 0, 3});
        Optional<String> commit = worktrees.commitAll(repository, worktree, "T1: title\n\nForgeline-Task: spec-1/T1");
        DiffStats diff = worktrees.diffStats(repository, worktree, base);
        worktrees.remove(repository, worktree, workspace);

        assertThat(commit).isPresent();
        assertThat(diff.files()).containsExactlyInAnyOrder("README.md", "new.txt", "blob.bin");
        assertThat(diff.filesChanged()).isEqualTo(3);
        assertThat(diff.linesAdded()).isEqualTo(4); // README 1 + new.txt 3 + binary 0
        assertThat(diff.linesRemoved()).isEqualTo(1);
        assertThat(worktree).doesNotExist();
        assertThat(workspace.resolve("spec-1")).doesNotExist();
        assertThat(TestRepositories.git(repository, "rev-parse", "forgeline/spec-1/T1/a1")
                        .strip())
                .isEqualTo(commit.get());
        assertThat(TestRepositories.git(repository, "log", "-1", "--format=%an <%ae>%n%B", commit.get()))
                .contains("Forgeline <forgeline@localhost>", "Forgeline-Task: spec-1/T1");
        assertThat(TestRepositories.git(repository, "rev-parse", "main").strip())
                .isEqualTo(base);
    }

    @Test
    void nothingToCommitIsReportedAsEmpty() throws Exception {
        Path repository = TestRepositories.create(temp.resolve("repos"));
        Path worktree = temp.resolve("workspace/spec-1/T1/a1");
        worktrees.create(repository, "forgeline/spec-1/T1/a1", worktree, worktrees.baseCommit(repository, "main"));

        assertThat(worktrees.commitAll(repository, worktree, "nothing")).isEmpty();
    }

    @Test
    void aMissingBaseBranchIsNamedInTheError() throws Exception {
        Path repository = TestRepositories.create(temp.resolve("repos"));

        assertThatThrownBy(() -> worktrees.baseCommit(repository, "develop"))
                .isInstanceOf(GitException.class)
                .hasMessageContaining("base branch 'develop' does not exist");
    }

    @Test
    void aWorktreeLeftBehindByAnEarlierRunIsReplaced() throws Exception {
        Path repository = TestRepositories.create(temp.resolve("repos"));
        Path worktree = temp.resolve("workspace/spec-1/T1/a1");
        String base = worktrees.baseCommit(repository, "main");
        worktrees.create(repository, "forgeline/spec-1/T1/a1", worktree, base);
        Files.writeString(worktree.resolve("leftover.txt"), "from a crashed run\n");

        worktrees.create(repository, "forgeline/spec-1/T1/a1", worktree, base);

        assertThat(worktree.resolve("leftover.txt")).doesNotExist();
        assertThat(worktree.resolve("README.md")).exists();
    }

    @Test
    void concurrentAttemptsOnOneRepositoryAllCommit() throws Exception {
        Path repository = TestRepositories.create(temp.resolve("repos"));
        Path workspace = temp.resolve("workspace");
        String base = worktrees.baseCommit(repository, "main");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> commits = new ArrayList<>();
            for (int i = 1; i <= 6; i++) {
                String task = "T" + i;
                commits.add(pool.submit(() -> {
                    Path worktree = workspace.resolve("spec-1").resolve(task).resolve("a1");
                    worktrees.create(repository, "forgeline/spec-1/" + task + "/a1", worktree, base);
                    Files.writeString(worktree.resolve(task + ".txt"), task + "\n");
                    String commit = worktrees
                            .commitAll(repository, worktree, task + ": work")
                            .orElseThrow();
                    worktrees.remove(repository, worktree, workspace);
                    return commit;
                }));
            }
            for (Future<String> commit : commits) {
                assertThat(commit.get(2, TimeUnit.MINUTES)).isNotBlank();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(TestRepositories.git(repository, "branch", "--list", "forgeline/*")
                        .lines())
                .hasSize(6);
        assertThat(TestRepositories.git(repository, "worktree", "list").lines()).hasSize(1);
    }

    @Test
    void aCommandBlockedByAForeignLockIsRetriedThenReported() throws Exception {
        Path repository = TestRepositories.create(temp.resolve("repos"));
        Files.writeString(repository.resolve("file.txt"), "x\n");
        Files.createFile(repository.resolve(".git/index.lock"));
        long started = System.nanoTime();

        assertThatThrownBy(() -> worktrees.commitAll(repository, repository, "blocked"))
                .isInstanceOf(GitException.class)
                .hasMessageContaining("index.lock");
        // two pauses (200 + 400 ms) between three tries
        assertThat(git.retries()).isEqualTo(2);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(600));

        Files.delete(repository.resolve(".git/index.lock"));
        assertThat(worktrees.commitAll(repository, repository, "unblocked")).isPresent();
    }

    @Test
    void numstatOfBinaryFilesCountsNoLines() {
        DiffStats stats = Worktrees.parseNumstat("3\t1\tsrc/a.txt\n-\t-\timg/logo.png\n0\t7\told.txt\n");

        assertThat(stats.filesChanged()).isEqualTo(3);
        assertThat(stats.linesAdded()).isEqualTo(3);
        assertThat(stats.linesRemoved()).isEqualTo(8);
        assertThat(stats.files()).containsExactly("src/a.txt", "img/logo.png", "old.txt");
    }
}
