package dev.forgeline.review;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.forgeline.review.config.ReviewConfig;
import dev.forgeline.review.config.ReviewConfig.MergeMode;
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
 * The merger against repositories on a real smart-HTTP git server with token authentication, without the
 * application around it: what it merges must be on the served main, what it does not must leave it untouched.
 */
class BranchMergerTest {
    private static final String TOKEN = "review-test-" + UUID.randomUUID();
    private static GitHttpServer server;

    @TempDir
    Path tmp;

    private GitRunner git;
    private ReviewClones clones;
    private BranchMerger merger;
    /** Runs once, right before the merger's next push of main: another clone's push that wins the race. */
    private Runnable beforeNextPush;

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
                if (beforeNextPush != null && command.args().contains("push")) {
                    Runnable race = beforeNextPush;
                    beforeNextPush = null;
                    race.run();
                }
                return super.exec(command);
            }
        };
        clones = new ReviewClones(git, tmp.resolve("workspace"));
        merger = new BranchMerger(git, new DiffCounter(git), clones, 3);
    }

    private GitRepo served(String prefix) {
        GitRepo repo = GitRepo.init(tmp.resolve(prefix));
        return repo;
    }

    private GitRepo publish(GitRepo repo, String prefix) {
        return repo.serve(server, prefix + "-" + UUID.randomUUID().toString().substring(0, 8), TOKEN);
    }

    private static MergeRequest request(GitRepo repo, GitRepo.Attempt attempt) {
        return new MergeRequest(
                repo.url(), "main", attempt.branch(), null, attempt.baseCommit(), attempt.commit(), "s", "T1");
    }

    @Test
    void aMergeIsPushedToTheServedMainAndMergingTheSameCommitAgainReportsTheFirstMerge() {
        GitRepo repo = served("idem");
        GitRepo.Attempt attempt = repo.attemptBranch("s", "T1", "a.txt", 4);
        publish(repo, "idem");
        String mainBefore = repo.servedMain();

        MergeResult first = merger.merge(request(repo, attempt));

        assertThat(first).isInstanceOf(MergeResult.Merged.class);
        MergeResult.Merged merged = (MergeResult.Merged) first;
        assertThat(merged.alreadyMerged()).isFalse();
        assertThat(merged.linesMerged()).isEqualTo(4);
        assertThat(repo.servedMain()).isEqualTo(merged.mergeCommit());
        assertThat(repo.servedFile("a.txt")).startsWith("line 1\n");
        repo.pull();
        assertThat(repo.git("rev-parse", merged.mergeCommit() + "^1")).isEqualTo(mainBefore);
        assertThat(repo.git("rev-parse", merged.mergeCommit() + "^2")).isEqualTo(attempt.commit());

        // someone else moves main on; the same commit handled again is reported, not merged twice
        repo.commitFile("later.txt", "later\n", "a later commit on main");
        repo.push("main");
        String servedBefore = repo.servedMain();
        MergeResult again = merger.merge(request(repo, attempt));

        assertThat(again).isEqualTo(new MergeResult.Merged(merged.mergeCommit(), 4, true));
        assertThat(repo.servedMain()).isEqualTo(servedBefore);
    }

    @Test
    void aPushThatLosesTheRaceIsFetchedMergedAgainOnTheNewMainAndPushed() {
        GitRepo repo = served("race");
        GitRepo.Attempt attempt = repo.attemptBranch("s", "T1", "mine.txt", 2);
        publish(repo, "race");
        AtomicInteger raced = new AtomicInteger();
        beforeNextPush = () -> {
            // another clone pushes to main after the merger fetched and merged, before it pushes
            repo.commitFile("theirs.txt", "theirs\n", "a change pushed meanwhile");
            repo.push("main");
            raced.incrementAndGet();
        };
        String theirs = null;

        MergeResult result = merger.merge(request(repo, attempt));

        assertThat(raced).hasValue(1);
        theirs = repo.rev("main");
        assertThat(result).isInstanceOf(MergeResult.Merged.class);
        String mergeCommit = ((MergeResult.Merged) result).mergeCommit();
        assertThat(repo.servedMain()).isEqualTo(mergeCommit);
        repo.git("fetch", "-q", "origin");
        assertThat(repo.git("rev-parse", mergeCommit + "^1"))
                .as("merged on top of the change that won the race")
                .isEqualTo(theirs);
        assertThat(repo.servedFile("theirs.txt")).isEqualTo("theirs\n");
        assertThat(repo.servedFile("mine.txt")).isEqualTo("line 1\nline 2\n");
        assertThat(((MergeResult.Merged) result).linesMerged()).isEqualTo(2);
    }

    @Test
    void aConflictingChangeEndsAsAConflictWithNothingPushed() {
        GitRepo repo = served("conflict");
        GitRepo.Attempt attempt = repo.attemptBranch("s", "T1", 1, "README.md", "# mine\n");
        publish(repo, "conflict");
        repo.commitFile("README.md", "# theirs\n", "a conflicting change on main");
        repo.push("main");
        String servedBefore = repo.servedMain();

        MergeResult result = merger.merge(request(repo, attempt));

        assertThat(result).isInstanceOf(MergeResult.NotMerged.class);
        assertThat(((MergeResult.NotMerged) result).conflicts()).containsExactly("README.md");
        assertThat(((MergeResult.NotMerged) result).reason()).startsWith("conflicts with main");
        assertThat(repo.servedMain()).isEqualTo(servedBefore);
        assertThat(repo.servedFile("README.md")).isEqualTo("# theirs\n");
        assertCloneMainIsTheServedMain(repo);
    }

    @Test
    void aPushRefusedByBranchProtectionFailsClearlyWithNothingHalfMerged() {
        GitRepo repo = served("protected");
        GitRepo.Attempt attempt = repo.attemptBranch("s", "T1", "a.txt", 1);
        publish(repo, "protected");
        String servedBefore = repo.servedMain();
        server.protectBranch(repoName(repo), "main");

        MergeResult result = merger.merge(request(repo, attempt));

        assertThat(result).isInstanceOf(MergeResult.NotMerged.class);
        MergeResult.NotMerged notMerged = (MergeResult.NotMerged) result;
        assertThat(notMerged.conflicts()).isEmpty();
        assertThat(notMerged.reason())
                .contains("refused the push of main")
                .contains("protected branch")
                .contains("nothing was merged");
        assertThat(repo.servedMain()).isEqualTo(servedBefore);
        assertCloneMainIsTheServedMain(repo);
    }

    @Test
    void aRevertIsPushedOnceAndReportedWhenAskedAgain() {
        GitRepo repo = served("revert");
        GitRepo.Attempt attempt = repo.attemptBranch("s", "T1", "a.txt", 3);
        publish(repo, "revert");
        String mergeCommit = ((MergeResult.Merged) merger.merge(request(repo, attempt))).mergeCommit();

        BranchMerger.RevertResult reverted = merger.revert(repo.url(), "main", mergeCommit, "s", "T1", "red main");
        BranchMerger.RevertResult again = merger.revert(repo.url(), "main", mergeCommit, "s", "T1", "red main");

        assertThat(reverted.reverted()).as(reverted.problem()).isTrue();
        assertThat(repo.servedMain()).isEqualTo(reverted.revertCommit());
        repo.git("fetch", "-q", "origin");
        assertThat(repo.run("cat-file", "-e", "origin/main:a.txt").exitCode())
                .as("a.txt is gone from the served main")
                .isNotZero();
        assertThat(again).isEqualTo(new BranchMerger.RevertResult(reverted.revertCommit(), true, null));
    }

    @Test
    void aLocalCheckoutOfMainIsUpdatedInPlaceAndADirtyOneIsRefused() throws Exception {
        GitRepo repo = GitRepo.init(tmp.resolve("local"));
        GitRepo.Attempt first = repo.attemptBranch("s", "T1", "a.txt", 2);

        MergeResult merged = merger.merge(request(repo, first));

        assertThat(merged).isInstanceOf(MergeResult.Merged.class);
        assertThat(repo.rev("main")).isEqualTo(((MergeResult.Merged) merged).mergeCommit());
        assertThat(repo.dir.resolve("a.txt")).hasContent("line 1\nline 2");
        assertThat(repo.git("status", "--porcelain")).isEmpty();

        GitRepo.Attempt second = repo.attemptBranch("s", "T2", "b.txt", 1);
        Files.writeString(repo.dir.resolve("README.md"), "local edit\n");
        String mainBefore = repo.rev("main");
        MergeResult refused = merger.merge(request(repo, second));

        assertThat(refused).isInstanceOf(MergeResult.NotMerged.class);
        assertThat(((MergeResult.NotMerged) refused).reason()).contains("refused the push of main");
        assertThat(repo.rev("main")).isEqualTo(mainBefore);
        assertThat(repo.dir.resolve("README.md")).hasContent("local edit");
    }

    @Test
    void aRepositoryInPullRequestModeIsNeverPushedDirectly() {
        GitRepo repo = served("pr");
        GitRepo.Attempt attempt = repo.attemptBranch("s", "T1", "a.txt", 1);
        publish(repo, "pr");
        String servedBefore = repo.servedMain();
        BranchMerger pullRequests = new BranchMerger(
                git, new DiffCounter(git), new ReviewClones(git, config(tmp.resolve("pr-workspace"), Map.of())), 3);

        MergeResult result = pullRequests.merge(request(repo, attempt));

        assertThat(((MergeResult.NotMerged) result).reason()).contains("merges through pull requests");
        assertThat(repo.servedMain()).isEqualTo(servedBefore);
    }

    @Test
    void theLongestSettingsKeyNamingTheRepositoryOrAParentOfItApplies() {
        // the default of this configuration is pull-request
        ReviewClones clones = new ReviewClones(
                git,
                config(
                        tmp.resolve("settings-workspace"),
                        Map.of(
                                "git.example.com:8443", MergeMode.DIRECT,
                                "git.example.com:8443/team", MergeMode.PULL_REQUEST,
                                "git.example.com:8443/team/app.git", MergeMode.DIRECT)));

        assertThat(clones.mergeMode(ReviewClones.url("https://git.example.com:8443/team/app.git")))
                .as("the repository's own key")
                .isEqualTo(MergeMode.DIRECT);
        assertThat(clones.mergeMode(ReviewClones.url("https://git.example.com:8443/team/other.git")))
                .as("the group's key")
                .isEqualTo(MergeMode.PULL_REQUEST);
        assertThat(clones.mergeMode(ReviewClones.url("ssh://git@git.example.com:8443/solo/x.git")))
                .as("the host's key")
                .isEqualTo(MergeMode.DIRECT);
        assertThat(clones.mergeMode(ReviewClones.url("https://git.example.com/solo/x.git")))
                .as("another port is another host: the default")
                .isEqualTo(MergeMode.PULL_REQUEST);
        assertThat(clones.mergeMode(ReviewClones.url("https://git.example.com:8443/team/app-two.git")))
                .as("a key is a parent only at a path boundary")
                .isEqualTo(MergeMode.PULL_REQUEST);
    }

    @Test
    void anUnknownRepositoryOrCommitIsReportedNotThrown() {
        MergeResult missingRepo =
                merger.merge(new MergeRequest(server.url("absent"), "main", "b", null, "x", "y", "s", "T1"));
        assertThat(missingRepo).isInstanceOf(MergeResult.NotMerged.class);
        assertThat(((MergeResult.NotMerged) missingRepo).reason()).contains("was not found");

        GitRepo repo = publish(served("unknown"), "unknown");
        MergeResult missingCommit = merger.merge(new MergeRequest(
                repo.url(),
                "main",
                "b",
                null,
                repo.rev("main"),
                "0123456789abcdef0123456789abcdef01234567",
                "s",
                "T1"));
        assertThat(((MergeResult.NotMerged) missingCommit).reason()).contains("is not in");
    }

    @Test
    void aRefusedTokenIsReportedAsSuchAndLeaksNothing() throws Exception {
        GitRepo repo = served("auth");
        GitRepo.Attempt attempt = repo.attemptBranch("s", "T1", "a.txt", 1);
        publish(repo, "auth");
        String wrong = "wrong-token-" + UUID.randomUUID();
        Path wrongFile = Files.writeString(tmp.resolve("wrong-token"), wrong);
        GitRunner wrongGit = new GitRunner(GitRunner.Settings.defaults()
                .withRetries(1, Duration.ofMillis(10))
                .withCredentials(GitCredentials.of(
                        Map.of("127.0.0.1", GitCredentials.Host.token(wrongFile, "x-access-token")))));
        BranchMerger refused = new BranchMerger(
                wrongGit, new DiffCounter(wrongGit), new ReviewClones(wrongGit, tmp.resolve("auth-workspace")), 3);
        String servedBefore = repo.servedMain();

        MergeResult result = refused.merge(request(repo, attempt));

        String reason = ((MergeResult.NotMerged) result).reason();
        assertThat(reason).contains("refused the credentials").contains("forgeline.git.hosts");
        assertThat(reason).doesNotContain(wrong).doesNotContain(TOKEN);
        assertThat(repo.servedMain()).isEqualTo(servedBefore);
    }

    private String repoName(GitRepo repo) {
        String url = repo.url();
        return url.substring(url.lastIndexOf('/') + 1, url.length() - ".git".length());
    }

    private void assertCloneMainIsTheServedMain(GitRepo repo) {
        Path clone = clones.path(ReviewClones.url(repo.url()));
        assertThat(git.run(clone, "rev-parse", "refs/heads/main").out())
                .as("the clone's main is reset to the remote's")
                .isEqualTo(repo.servedMain());
    }

    /** Every repository in pull-request mode unless {@code modes} says otherwise. */
    private static ReviewConfig config(Path workspace, Map<String, MergeMode> modes) {
        return new ReviewConfig() {
            public int autoMergeMaxLines() {
                return 100;
            }

            public int dailyReviewCapacity() {
                return 20;
            }

            public int fourEyesLevel() {
                return 3;
            }

            public Duration verifySweepInterval() {
                return Duration.ofSeconds(10);
            }

            public Path workspace() {
                return workspace;
            }

            public MergeMode mergeMode() {
                return MergeMode.PULL_REQUEST;
            }

            public int pushAttempts() {
                return 3;
            }

            public SandboxSettings sandbox() {
                throw new UnsupportedOperationException("the merger runs no commands");
            }

            public Map<String, RepositorySettings> repositories() {
                Map<String, RepositorySettings> settings = new java.util.HashMap<>();
                modes.forEach((key, mode) -> settings.put(key, new RepositorySettings() {
                    public Optional<MergeMode> mergeMode() {
                        return Optional.of(mode);
                    }

                    public Optional<Hosting> hosting() {
                        return Optional.empty();
                    }

                    public Optional<String> apiUrl() {
                        return Optional.empty();
                    }

                    public Optional<String> project() {
                        return Optional.empty();
                    }
                }));
                return settings;
            }

            public PullRequests pullRequests() {
                throw new UnsupportedOperationException("not used by the merger");
            }
        };
    }
}
