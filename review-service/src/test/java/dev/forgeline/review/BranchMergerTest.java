package dev.forgeline.review;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.forgeline.review.git.BranchMerger;
import dev.forgeline.review.git.DiffCounter;
import dev.forgeline.review.git.Git;
import dev.forgeline.review.git.MergeRequest;
import dev.forgeline.review.git.MergeResult;
import dev.forgeline.review.git.RepositoryLocks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The merger against real repositories, without the application around it. */
class BranchMergerTest {
    private final Git git = new Git();
    private final BranchMerger merger = new BranchMerger(git, new DiffCounter(git), new RepositoryLocks());

    @TempDir
    Path tmp;

    private static MergeRequest request(GitRepo repo, GitRepo.Attempt attempt) {
        return new MergeRequest(
                repo.dir.toString(), "main", attempt.branch(), attempt.baseCommit(), attempt.commit(), "s", "T1");
    }

    @Test
    void mergingTheSameCommitAgainReportsTheFirstMerge() {
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt attempt = repo.attemptBranch("s", "T1", "a.txt", 4);

        MergeResult first = merger.merge(request(repo, attempt));
        int commits = repo.commitCount("main");
        repo.commitFile("later.txt", "later\n", "a later commit on main");
        MergeResult again = merger.merge(request(repo, attempt));

        assertThat(first).isInstanceOf(MergeResult.Merged.class);
        MergeResult.Merged merged = (MergeResult.Merged) first;
        assertThat(merged.alreadyMerged()).isFalse();
        assertThat(merged.linesMerged()).isEqualTo(4);
        assertThat(again).isEqualTo(new MergeResult.Merged(merged.mergeCommit(), 4, true));
        assertThat(repo.commitCount("main")).isEqualTo(commits + 1);
    }

    @Test
    void aDirtyCheckoutOfTheBaseBranchIsNotTouched() throws Exception {
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt attempt = repo.attemptBranch("s", "T1", "a.txt", 1);
        Files.writeString(repo.dir.resolve("README.md"), "local edit\n");
        String mainBefore = repo.rev("main");

        MergeResult result = merger.merge(request(repo, attempt));

        assertThat(result).isInstanceOf(MergeResult.NotMerged.class);
        assertThat(((MergeResult.NotMerged) result).reason()).contains("uncommitted changes");
        assertThat(repo.rev("main")).isEqualTo(mainBefore);
        assertThat(Files.readString(repo.dir.resolve("README.md"))).isEqualTo("local edit\n");
    }

    @Test
    void aMergeWaitsForAnotherGitProcessToReleaseTheIndexLock() throws Exception {
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt attempt = repo.attemptBranch("s", "T1", "a.txt", 2);
        Path indexLock = repo.dir.resolve(".git/index.lock");
        Files.writeString(indexLock, "");
        ScheduledExecutorService otherProcess = Executors.newSingleThreadScheduledExecutor();
        try {
            otherProcess.schedule(
                    () -> {
                        Files.delete(indexLock);
                        return null;
                    },
                    250,
                    TimeUnit.MILLISECONDS);

            MergeResult result = merger.merge(request(repo, attempt));

            assertThat(result).isInstanceOf(MergeResult.Merged.class);
            assertThat(repo.rev("main")).isEqualTo(((MergeResult.Merged) result).mergeCommit());
        } finally {
            otherProcess.shutdownNow();
        }
    }

    @Test
    void anUnknownRepositoryOrCommitIsReportedNotThrown() {
        MergeResult missingRepo =
                merger.merge(new MergeRequest(tmp.resolve("absent").toString(), "main", "b", "x", "y", "s", "T1"));
        assertThat(missingRepo).isInstanceOf(MergeResult.NotMerged.class);

        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        MergeResult missingCommit = merger.merge(new MergeRequest(
                repo.dir.toString(),
                "main",
                "b",
                repo.rev("main"),
                "0123456789abcdef0123456789abcdef01234567",
                "s",
                "T1"));
        assertThat(((MergeResult.NotMerged) missingCommit).reason()).contains("is not in");
    }
}
