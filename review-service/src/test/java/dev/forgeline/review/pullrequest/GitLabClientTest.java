package dev.forgeline.review.pullrequest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.testsupport.GitHttpServer;
import dev.forgeline.testsupport.gitlab.FakeGitLab;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GitLab client against the fake GitLab over a real git server, over real HTTP: GitLab's answers mapped. */
class GitLabClientTest {
    private static final String PROJECT = "acme/shop";
    private static final String TOKEN = "glpat-client-test-bot";
    private static final String REVIEWER_TOKEN = "glpat-client-test-alice";

    private GitHttpServer git;
    private FakeGitLab gitlab;
    private GitLabClient client;

    @TempDir
    Path work;

    private Path clone;

    @BeforeEach
    void start() {
        git = GitHttpServer.start();
        git.createRepository(PROJECT, Map.of("app.txt", "version 1\n"));
        gitlab = FakeGitLab.start(git, TOKEN, "forgeline-bot").addToken(REVIEWER_TOKEN, "alice");
        HostingHttp http = new HostingHttp(
                gitlab.apiUrl(),
                () -> Optional.of(TOKEN),
                "PRIVATE-TOKEN",
                new ObjectMapper(),
                Duration.ofSeconds(10),
                Clock.systemUTC());
        client = new GitLabClient(http, PROJECT);
        clone = work.resolve("clone");
        run(work, "git", "clone", "-q", git.url(PROJECT), clone.toString());
    }

    @AfterEach
    void stop() {
        gitlab.close();
        git.close();
    }

    @Test
    void openIsIdempotentAndCloseKeepsTheDescriptionWithTheReason() {
        String head = pushBranch("feature", "feature.txt", "one\n");
        PullRequest opened = client.open("feature", "main", "Add feature", "The body", List.of("forgeline-level-1"));
        assertThat(opened.number()).isEqualTo(1);
        assertThat(opened.open()).isTrue();
        assertThat(opened.headSha()).isEqualTo(head);
        assertThat(opened.url()).endsWith("/acme/shop/-/merge_requests/1");
        // an earlier try's merge request is reused, not duplicated
        assertThat(client.open("feature", "main", "Add feature", "The body", List.of("forgeline-level-1"))
                        .number())
                .isEqualTo(1);
        assertThat(gitlab.requests().stream().filter(r -> r.method().equals("POST")))
                .hasSize(1);

        client.close(1, "the task runs again");
        PullRequest closed = client.get(1);
        assertThat(closed.open()).isFalse();
        assertThat(closed.merged()).isFalse();
        assertThat(gitlab.requests().get(gitlab.requests().size() - 1).path())
                .isEqualTo("/api/v4/projects/acme%2Fshop/merge_requests/1");
    }

    @Test
    void statusesAreTheChecksAndAProjectThatNeedsAPipelineWaitsForOne() {
        String head = pushBranch("feature", "feature.txt", "one\n");
        assertThat(client.checks("main", head)).isEmpty();
        gitlab.onlyAllowMergeIfPipelineSucceeds(PROJECT, true);
        assertThat(client.checks("main", head))
                .extracting(CheckResult::name, CheckResult::state)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(GitLabClient.PIPELINE, CheckResult.State.EXPECTED));

        status(head, "lint", "success", "clean");
        status(head, "test", "running", null);
        status(head, "test", "failed", "3 failed");
        assertThat(client.checks("main", head))
                .extracting(CheckResult::name, CheckResult::state, CheckResult::detail)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("lint", CheckResult.State.SUCCESS, "success: clean"),
                        org.assertj.core.groups.Tuple.tuple("test", CheckResult.State.FAILURE, "failed: 3 failed"));
    }

    @Test
    void approvalsAndRequestedChangesAreReviewsWithTheReviewersOwnNotesAndTheAuthorNeverCounts() {
        pushBranch("feature", "feature.txt", "one\n");
        client.open("feature", "main", "Add feature", "body", List.of());
        assertThat(client.reviews(1)).isEmpty();
        gitlab.addReviewer(PROJECT, 1, "forgeline-bot");
        gitlab.requestChanges(PROJECT, 1, "forgeline-bot", "the author's own words");
        assertThat(client.reviews(1)).isEmpty();

        gitlab.requestChanges(PROJECT, 1, "alice", "rename the file");
        List<PullRequestReview> reviews = client.reviews(1);
        assertThat(reviews).hasSize(1);
        assertThat(reviews.get(0).reviewer()).isEqualTo("alice");
        assertThat(reviews.get(0).verdict()).isEqualTo(PullRequestReview.Verdict.CHANGES_REQUESTED);
        assertThat(reviews.get(0).comments()).containsExactly("rename the file");
    }

    @Test
    void mergeAnswersBecomeMergedConflictOrNotYet() {
        String head = pushBranch("change", "app.txt", "version 2\n");
        client.open("change", "main", "Change", "body", List.of());
        gitlab.requireApprovals(PROJECT, 1);
        assertThat(client.merge(1, head, "Merge change")).isInstanceOf(MergeAttempt.NotYet.class);

        approve(1);
        assertThat(client.reviews(1))
                .extracting(PullRequestReview::reviewer, PullRequestReview::verdict)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("alice", PullRequestReview.Verdict.APPROVED));
        // a head that moved since it was read is not merged
        assertThat(client.merge(1, git.head(PROJECT, "main").orElseThrow(), "Merge change"))
                .isInstanceOf(MergeAttempt.NotYet.class);

        gitlab.moveBase(PROJECT, "main", "app.txt", "version 3\n");
        assertThat(client.merge(1, head, "Merge change")).isInstanceOf(MergeAttempt.Conflict.class);
        assertThat(client.get(1).open()).isTrue();

        String other = pushBranch("other", "other.txt", "other\n");
        client.open("other", "main", "Other", "body", List.of());
        approve(2);
        String mainBefore = git.head(PROJECT, "main").orElseThrow();
        MergeAttempt merged = client.merge(2, other, "Merge other");
        assertThat(merged).isInstanceOf(MergeAttempt.Merged.class);
        String commit = ((MergeAttempt.Merged) merged).mergeCommit();
        assertThat(git.head(PROJECT, "main")).contains(commit);
        run(clone, "git", "fetch", "-q", "origin");
        assertThat(run(clone, "git", "rev-parse", commit + "^1", commit + "^2")
                        .lines()
                        .toList())
                .containsExactly(mainBefore, other);
        PullRequest pr = client.get(2);
        assertThat(pr.merged()).isTrue();
        assertThat(pr.mergeCommit()).isEqualTo(commit);
        assertThat(pr.mergedBy()).isEqualTo("forgeline-bot");
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private void approve(int iid) {
        HostingHttp reviewer = new HostingHttp(
                gitlab.apiUrl(),
                () -> Optional.of(REVIEWER_TOKEN),
                "PRIVATE-TOKEN",
                new ObjectMapper(),
                Duration.ofSeconds(10),
                Clock.systemUTC());
        assertThat(reviewer.send("POST", "/projects/acme%2Fshop/merge_requests/" + iid + "/approve", Map.of())
                        .status())
                .isEqualTo(201);
    }

    private void status(String sha, String name, String state, String description) {
        HostingHttp ci = new HostingHttp(
                gitlab.apiUrl(),
                () -> Optional.of(TOKEN),
                "PRIVATE-TOKEN",
                new ObjectMapper(),
                Duration.ofSeconds(10),
                Clock.systemUTC());
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("state", state);
        body.put("name", name);
        body.put("description", description);
        assertThat(ci.send("POST", "/projects/acme%2Fshop/statuses/" + sha, body)
                        .status())
                .isEqualTo(201);
    }

    private String pushBranch(String branch, String path, String content) {
        run(clone, "git", "checkout", "-q", "-b", branch, "origin/main");
        try {
            Files.writeString(clone.resolve(path), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        run(clone, "git", "add", path);
        run(
                clone,
                "git",
                "-c",
                "user.name=T",
                "-c",
                "user.email=t@example.com",
                "commit",
                "-q",
                "-m",
                "change " + path);
        run(clone, "git", "push", "-q", "origin", branch);
        return run(clone, "git", "rev-parse", "HEAD").strip();
    }

    private static String run(Path dir, String... command) {
        try {
            ProcessBuilder builder =
                    new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
            builder.environment().put("GIT_CONFIG_NOSYSTEM", "1");
            builder.environment().put("GIT_TERMINAL_PROMPT", "0");
            Process process = builder.start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
