package dev.forgeline.worker.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.support.git.GitRunner;
import dev.forgeline.worker.TestRepositories;
import dev.forgeline.worker.git.Worktrees;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mirrors, attempt records and kept failed worktrees, with real git repositories. */
class WorkspacesTest {
    @TempDir
    Path temp;

    private final GitRunner git = new GitRunner(GitRunner.Settings.defaults());
    private final Worktrees worktrees = new Worktrees(git);

    private Workspaces workspaces(int maxKept, Duration retention, long maxBytes) {
        return new Workspaces(temp.resolve("workspace"), git, "refs/heads/forgeline/", retention, maxKept, maxBytes);
    }

    private static void commit(Path repository, String file, String content) throws Exception {
        Files.writeString(repository.resolve(file), content);
        TestRepositories.git(repository, "add", file);
        TestRepositories.git(
                repository,
                "-c",
                "user.name=Test",
                "-c",
                "user.email=test@localhost",
                "commit",
                "-q",
                "-m",
                "change " + file);
    }

    @Test
    void aRemoteRepositoryIsMirroredOnceFetchedForEachAttemptAndAttemptBranchesArePushedBack() throws Exception {
        Path origin = TestRepositories.create(temp.resolve("origin"));
        Path remote = temp.resolve("remote.git");
        TestRepositories.git(temp, "clone", "--bare", "-q", origin.toString(), remote.toString());
        String url = remote.toUri().toString();
        Workspaces workspaces = workspaces(0, Duration.ZERO, 0);

        Workspaces.Target first = workspaces.prepare(url);
        assertThat(first.mirror()).isTrue();
        assertThat(first.repository())
                .isEqualTo(workspaces.mirrorPath(url))
                .startsWith(workspaces.root().resolve("mirrors"));
        Path cloneMarker = first.repository().resolve("forgeline-clone-marker");
        Files.writeString(cloneMarker, "made by the first clone");

        // main moves on the remote
        commit(origin, "more.txt", "more\n");
        TestRepositories.git(origin, "push", "-q", remote.toString(), "main");
        String newMain = TestRepositories.git(remote, "rev-parse", "main").strip();

        Workspaces.Target second = workspaces.prepare(url);
        assertThat(second.repository()).isEqualTo(first.repository());
        assertThat(cloneMarker).as("not re-cloned").exists();
        String base = worktrees.baseCommit(second.repository(), second.baseRef("main"));
        assertThat(base).isEqualTo(newMain);

        Path worktree = workspaces.root().resolve("spec/T1/a1");
        worktrees.create(second.repository(), "forgeline/spec/T1/a1", worktree, base);
        Files.writeString(worktree.resolve("work.txt"), "work\n");
        String commit =
                worktrees.commitAll(second.repository(), worktree, "T1: work").orElseThrow();
        assertThat(workspaces.push(second, "forgeline/spec/T1/a1")).contains("refs/heads/forgeline/spec/T1/a1");

        assertThat(TestRepositories.git(remote, "rev-parse", "refs/heads/forgeline/spec/T1/a1")
                        .strip())
                .isEqualTo(commit);
    }

    @Test
    void attemptBranchesGoToTheConfiguredRefNamespaceOfAFileUrl() throws Exception {
        Path origin = TestRepositories.create(temp.resolve("origin"));
        Path remote = temp.resolve("served.git");
        TestRepositories.git(temp, "clone", "--bare", "-q", origin.toString(), remote.toString());
        Workspaces workspaces = new Workspaces(temp.resolve("workspace"), git, "refs/forgeline", Duration.ZERO, 0, 0);

        Workspaces.Target target = workspaces.prepare("file://" + remote.toAbsolutePath());
        assertThat(target.mirror()).isTrue();
        assertThat(target.repository()).isNotEqualTo(remote);
        String base = worktrees.baseCommit(target.repository(), target.baseRef("main"));
        Path worktree = workspaces.root().resolve("spec/T2/a3");
        worktrees.create(target.repository(), "forgeline/spec/T2/a3", worktree, base);
        Files.writeString(worktree.resolve("work.txt"), "work\n");
        String commit =
                worktrees.commitAll(target.repository(), worktree, "T2: work").orElseThrow();

        assertThat(workspaces.push(target, "forgeline/spec/T2/a3")).contains("refs/forgeline/spec/T2/a3");
        assertThat(TestRepositories.git(remote, "rev-parse", "refs/forgeline/spec/T2/a3")
                        .strip())
                .isEqualTo(commit);
        assertThat(TestRepositories.git(remote, "branch", "--list")).doesNotContain("spec/T2");
    }

    @Test
    void aPushRefPrefixOutsideRefsIsRefused() {
        assertThatThrownBy(() -> new Workspaces(temp, git, "heads/forgeline/", Duration.ZERO, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("forgeline.worker.push-ref-prefix 'heads/forgeline/'");
    }

    @Test
    void aLocalPathIsUsedAsItIs() throws Exception {
        Path repository = TestRepositories.create(temp.resolve("repos"));
        Workspaces.Target target = workspaces(0, Duration.ZERO, 0).prepare(repository.toString());
        assertThat(target.mirror()).isFalse();
        assertThat(target.repository()).isEqualTo(repository.toAbsolutePath().normalize());
        assertThat(Workspaces.isRemote("git@github.com:example/textkit.git")).isTrue();
        assertThat(Workspaces.isRemote("https://github.com/example/textkit.git"))
                .isTrue();
        assertThat(Workspaces.isRemote("/home/dev/textkit")).isFalse();
    }

    @Test
    void failedWorktreesAreKeptWithinCountAgeAndSizeBounds() throws Exception {
        Path repository = TestRepositories.create(temp.resolve("repos"));
        Workspaces workspaces = workspaces(2, Duration.ofHours(1), 10 * 1024 * 1024);
        String base = worktrees.baseCommit(repository, "main");
        Path[] kept = new Path[3];
        for (int i = 0; i < 3; i++) {
            kept[i] = workspaces.root().resolve("spec/T" + i + "/a1");
            worktrees.create(repository, "forgeline/spec/T" + i + "/a1", kept[i], base);
            workspaces.keepFailed(UUID.randomUUID(), repository, kept[i]);
        }

        assertThat(kept[0]).as("oldest beyond the count").doesNotExist();
        assertThat(kept[1]).exists();
        assertThat(kept[2]).exists();
        assertThat(workspaces.kept()).extracting(Workspaces.Kept::worktree).containsExactly(kept[1], kept[2]);

        workspaces.pruneKept(Instant.now().plus(Duration.ofHours(2)));
        assertThat(kept[1]).doesNotExist();
        assertThat(kept[2]).doesNotExist();
        assertThat(workspaces.kept()).isEmpty();
        assertThat(TestRepositories.git(repository, "worktree", "list")).doesNotContain("spec/T");
    }

    @Test
    void keptWorktreesBeyondTheDiskBoundGoOldestFirst() throws Exception {
        Path repository = TestRepositories.create(temp.resolve("repos"));
        Workspaces workspaces = workspaces(10, Duration.ofHours(1), 150_000);
        String base = worktrees.baseCommit(repository, "main");
        Path older = workspaces.root().resolve("spec/A/a1");
        Path newer = workspaces.root().resolve("spec/B/a1");
        worktrees.create(repository, "forgeline/spec/A/a1", older, base);
        Files.write(older.resolve("big.bin"), new byte[100_000]);
        workspaces.keepFailed(UUID.randomUUID(), repository, older);
        worktrees.create(repository, "forgeline/spec/B/a1", newer, base);
        Files.write(newer.resolve("big.bin"), new byte[100_000]);
        workspaces.keepFailed(UUID.randomUUID(), repository, newer);

        assertThat(older).doesNotExist();
        assertThat(newer).exists();
    }

    @Test
    void attemptRecordsSurviveUntilTheirResultAndLeftoversAreRemoved() throws Exception {
        Path repository = TestRepositories.create(temp.resolve("repos"));
        Workspaces workspaces = workspaces(0, Duration.ZERO, 0);
        TaskReady task = new TaskReady(
                "spec",
                "Spec",
                "T1",
                "Do it",
                "",
                List.of(),
                "true",
                60,
                List.of(),
                repository.toString(),
                "main",
                0,
                Map.of(),
                null);
        TaskLeased lease = new TaskLeased(
                UUID.randomUUID(), "node", 7, 1, Instant.now(), Instant.now().plusSeconds(60), 5, task);
        Path worktree = workspaces.root().resolve("spec/T1/a1");
        workspaces.recordStart(lease);
        worktrees.create(repository, "forgeline/spec/T1/a1", worktree, worktrees.baseCommit(repository, "main"));

        // a new process finds the record
        Workspaces restarted = workspaces(0, Duration.ZERO, 0);
        assertThat(restarted.abandonedAttempts())
                .extracting(TaskLeased::leaseId)
                .containsExactly(lease.leaseId());
        assertThat(Workspaces.repositoryOfWorktree(worktree).toRealPath()).isEqualTo(repository.toRealPath());
        restarted.removeLeftovers(lease, worktree);
        restarted.recordEnd(lease.leaseId());

        assertThat(worktree).doesNotExist();
        assertThat(TestRepositories.git(repository, "worktree", "list")).doesNotContain("spec/T1");
        assertThat(TestRepositories.git(repository, "branch", "--list", "forgeline/*"))
                .contains("forgeline/spec/T1/a1");
        assertThat(restarted.abandonedAttempts()).isEmpty();
    }
}
