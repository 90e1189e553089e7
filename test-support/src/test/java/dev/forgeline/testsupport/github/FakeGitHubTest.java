package dev.forgeline.testsupport.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.testsupport.GitHttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fake GitHub API over a real smart-HTTP git server, called over real HTTP. */
class FakeGitHubTest {
    private static final String REPO = "acme/shop";
    private static final String TOKEN = "ghp-test-author-4e1d";
    private static final String REVIEWER_TOKEN = "ghp-test-reviewer-9a2c";
    private static final String SECOND_REVIEWER_TOKEN = "ghp-test-reviewer-77b0";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private GitHttpServer git;
    private FakeGitHub github;

    @TempDir
    Path work;

    private Path clone;

    @BeforeEach
    void start() {
        git = GitHttpServer.start();
        git.createRepository(REPO, Map.of("README.md", "shop\n", "app.txt", "version 1\n"));
        github = FakeGitHub.start(git, TOKEN, "forgeline-bot")
                .addToken(REVIEWER_TOKEN, "alice")
                .addToken(SECOND_REVIEWER_TOKEN, "bob");
        clone = work.resolve("clone");
        run(work, "git", "clone", "-q", git.url(REPO), clone.toString());
    }

    @AfterEach
    void stop() {
        github.close();
        git.close();
    }

    /** A git host of its own next to services on 127.0.0.1: repositories and API on 127.0.0.3, nothing on .1. */
    @Test
    void aServerOnAnotherLoopbackAddressServesGitAndTheApiThereOnly() throws Exception {
        InetAddress address = InetAddress.getByName("127.0.0.3");
        assumeTrue(
                canListenOn(address), "127.0.0.3 is not a loopback address of this machine (Linux routes 127/8 to lo)");
        try (GitHttpServer other = GitHttpServer.start(address).requireToken("other-token");
                FakeGitHub api = FakeGitHub.start(other, "other-token", "forgeline-bot")) {
            other.createRepository(REPO, Map.of("README.md", "elsewhere\n"));
            assertThat(other.url(REPO)).isEqualTo("http://127.0.0.3:" + other.port() + "/acme/shop.git");
            assertThat(api.apiUrl()).startsWith("http://127.0.0.3:");

            String basic = Base64.getEncoder().encodeToString("x:other-token".getBytes(StandardCharsets.UTF_8));
            Path elsewhere = work.resolve("elsewhere");
            run(
                    work,
                    "git",
                    "-c",
                    "http.extraHeader=Authorization: Basic " + basic,
                    "clone",
                    "-q",
                    other.url(REPO),
                    elsewhere.toString());
            assertThat(Files.readString(elsewhere.resolve("README.md"))).isEqualTo("elsewhere\n");

            HttpResponse<String> repo = http.send(
                    HttpRequest.newBuilder(URI.create(api.apiUrl() + "/repos/" + REPO))
                            .header("Authorization", "Bearer other-token")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(repo.statusCode()).as(repo.body()).isEqualTo(200);

            // the same port on 127.0.0.1 is not this server
            try (Socket socket = new Socket()) {
                assertThatThrownBy(() -> socket.connect(new InetSocketAddress("127.0.0.1", other.port()), 2000))
                        .isInstanceOf(IOException.class);
            }
        }
    }

    private static boolean canListenOn(InetAddress address) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(address, 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void pullRequestMergesOnlyWhenRequiredChecksAreGreenAndTheBaseBranchReallyContainsTheMerge() {
        String head = pushBranch("feature", "feature.txt", "new feature\n");
        String mainBefore = git.head(REPO, "main").orElseThrow();

        HttpResponse<String> created = call(
                "POST",
                "/repos/acme/shop/pulls",
                Map.of("title", "Add feature", "head", "feature", "base", "main", "body", "Adds it"),
                TOKEN);
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode pull = parse(created);
        int number = pull.get("number").asInt();
        assertThat(number).isEqualTo(1);
        assertThat(pull.get("state").asText()).isEqualTo("open");
        assertThat(pull.get("title").asText()).isEqualTo("Add feature");
        assertThat(pull.get("body").asText()).isEqualTo("Adds it");
        assertThat(pull.at("/head/ref").asText()).isEqualTo("feature");
        assertThat(pull.at("/head/sha").asText()).isEqualTo(head);
        assertThat(pull.at("/base/ref").asText()).isEqualTo("main");
        assertThat(pull.at("/user/login").asText()).isEqualTo("forgeline-bot");
        assertThat(pull.get("merged").asBoolean()).isFalse();
        assertThat(pull.get("mergeable").asBoolean()).isTrue();
        // while GitHub computes the test merge, mergeable is null
        github.mergeabilityUnknownNext(1);
        JsonNode computing = parse(call("GET", "/repos/acme/shop/pulls/1", null, TOKEN));
        assertThat(computing.get("mergeable").isNull()).isTrue();
        assertThat(computing.get("mergeable_state").asText()).isEqualTo("unknown");
        assertThat(parse(call("GET", "/repos/acme/shop/pulls/1", null, TOKEN))
                        .get("mergeable")
                        .asBoolean())
                .isTrue();
        assertThat(pull.get("html_url").asText()).endsWith("/acme/shop/pull/1");

        // the same head and base again is refused as GitHub refuses it
        HttpResponse<String> duplicate = call(
                "POST", "/repos/acme/shop/pulls", Map.of("title", "Again", "head", "feature", "base", "main"), TOKEN);
        assertThat(duplicate.statusCode()).isEqualTo(422);
        assertThat(duplicate.body()).contains("A pull request already exists for acme:feature.");

        HttpResponse<String> labelled =
                call("POST", "/repos/acme/shop/issues/1/labels", Map.of("labels", List.of("forgeline")), TOKEN);
        assertThat(labelled.statusCode()).isEqualTo(200);
        assertThat(names(parse(call("GET", "/repos/acme/shop/issues/1/labels", null, TOKEN)), "name"))
                .containsExactly("forgeline");
        assertThat(names(
                        parse(call("GET", "/repos/acme/shop/pulls/1", null, TOKEN))
                                .get("labels"),
                        "name"))
                .containsExactly("forgeline");

        github.requireChecks(REPO, "main", "ci/build");
        JsonNode required =
                parse(call("GET", "/repos/acme/shop/branches/main/protection/required_status_checks", null, TOKEN));
        assertThat(names(required.get("contexts"), null)).containsExactly("ci/build");

        // no check reported yet
        HttpResponse<String> early = merge(number, head);
        assertThat(early.statusCode()).isEqualTo(405);
        assertThat(early.body()).contains("Required status check \\\"ci/build\\\" is expected.");
        assertThat(parse(call("GET", "/repos/acme/shop/pulls/1", null, TOKEN))
                        .get("mergeable_state")
                        .asText())
                .isEqualTo("blocked");

        HttpResponse<String> failing = call(
                "POST",
                "/repos/acme/shop/check-runs",
                Map.of(
                        "name",
                        "ci/build",
                        "head_sha",
                        head,
                        "status",
                        "completed",
                        "conclusion",
                        "failure",
                        "output",
                        Map.of("title", "2 tests failed", "summary", "see the log")),
                TOKEN);
        assertThat(failing.statusCode()).isEqualTo(201);
        JsonNode runs = parse(call("GET", "/repos/acme/shop/commits/" + head + "/check-runs", null, TOKEN));
        assertThat(runs.get("total_count").asInt()).isEqualTo(1);
        assertThat(runs.at("/check_runs/0/conclusion").asText()).isEqualTo("failure");
        assertThat(runs.at("/check_runs/0/output/title").asText()).isEqualTo("2 tests failed");
        HttpResponse<String> refused = merge(number, head);
        assertThat(refused.statusCode()).isEqualTo(405);
        assertThat(refused.body()).contains("is failing");
        assertThat(git.head(REPO, "main")).contains(mainBefore);

        // a commit status next to the check run: the combined status follows the latest per context
        assertThat(call(
                                "POST",
                                "/repos/acme/shop/statuses/" + head,
                                Map.of("state", "pending", "context", "lint", "description", "running"),
                                TOKEN)
                        .statusCode())
                .isEqualTo(201);
        assertThat(parse(call("GET", "/repos/acme/shop/commits/feature/status", null, TOKEN))
                        .get("state")
                        .asText())
                .isEqualTo("pending");
        call("POST", "/repos/acme/shop/statuses/" + head, Map.of("state", "success", "context", "lint"), TOKEN);
        JsonNode combined = parse(call("GET", "/repos/acme/shop/commits/" + head + "/status", null, TOKEN));
        assertThat(combined.get("state").asText()).isEqualTo("success");
        assertThat(combined.get("total_count").asInt()).isEqualTo(1);
        assertThat(combined.at("/statuses/0/context").asText()).isEqualTo("lint");

        call(
                "POST",
                "/repos/acme/shop/check-runs",
                Map.of("name", "ci/build", "head_sha", head, "status", "completed", "conclusion", "success"),
                TOKEN);
        JsonNode latest = parse(call("GET", "/repos/acme/shop/commits/" + head + "/check-runs", null, TOKEN));
        assertThat(latest.get("total_count").asInt()).isEqualTo(1);
        assertThat(latest.at("/check_runs/0/conclusion").asText()).isEqualTo("success");

        HttpResponse<String> stale = merge(number, mainBefore);
        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(stale.body()).contains("Head branch was modified");

        HttpResponse<String> merged = merge(number, head);
        assertThat(merged.statusCode()).isEqualTo(200);
        JsonNode result = parse(merged);
        assertThat(result.get("merged").asBoolean()).isTrue();
        String mergeCommit = result.get("sha").asText();
        assertThat(git.head(REPO, "main")).contains(mergeCommit);
        assertThat(git.show(REPO, "main", "feature.txt")).isEqualTo("new feature\n");
        run(clone, "git", "fetch", "-q", "origin");
        assertThat(run(clone, "git", "rev-list", "--parents", "-n", "1", mergeCommit)
                        .strip()
                        .split(" "))
                .containsExactly(mergeCommit, mainBefore, head);
        assertThat(run(clone, "git", "log", "-1", "--format=%s", mergeCommit).strip())
                .isEqualTo("Merge pull request #1 from acme/feature");

        JsonNode after = parse(call("GET", "/repos/acme/shop/pulls/1", null, TOKEN));
        assertThat(after.get("state").asText()).isEqualTo("closed");
        assertThat(after.get("merged").asBoolean()).isTrue();
        assertThat(after.get("merge_commit_sha").asText()).isEqualTo(mergeCommit);
        assertThat(after.at("/merged_by/login").asText()).isEqualTo("forgeline-bot");
        assertThat(names(
                        parse(call("GET", "/repos/acme/shop/pulls?state=closed&head=acme:feature", null, TOKEN)),
                        "number"))
                .containsExactly("1");
        assertThat(parse(call("GET", "/repos/acme/shop/pulls", null, TOKEN))).isEmpty();
        assertThat(merge(number, head).statusCode()).isEqualTo(405);
    }

    @Test
    void aConflictingPullRequestIsReportedUnmergeableAndRefused() {
        run(clone, "git", "checkout", "-q", "-b", "left", "origin/main");
        commit("app.txt", "version 2 from left\n");
        run(clone, "git", "push", "-q", "origin", "left");
        run(clone, "git", "checkout", "-q", "-b", "right", "origin/main");
        commit("app.txt", "version 2 from right\n");
        run(clone, "git", "push", "-q", "origin", "right");

        call("POST", "/repos/acme/shop/pulls", Map.of("title", "Left", "head", "left", "base", "main"), TOKEN);
        call("POST", "/repos/acme/shop/pulls", Map.of("title", "Right", "head", "acme:right", "base", "main"), TOKEN);
        assertThat(merge(1, null).statusCode()).isEqualTo(200);
        String main = git.head(REPO, "main").orElseThrow();

        JsonNode right = parse(call("GET", "/repos/acme/shop/pulls/2", null, TOKEN));
        assertThat(right.get("mergeable").asBoolean()).isFalse();
        assertThat(right.get("mergeable_state").asText()).isEqualTo("dirty");
        HttpResponse<String> refused = merge(2, right.at("/head/sha").asText());
        assertThat(refused.statusCode()).isEqualTo(405);
        assertThat(parse(refused).get("message").asText()).isEqualTo("Merge conflict");
        assertThat(git.head(REPO, "main")).contains(main);
        assertThat(git.show(REPO, "main", "app.txt")).isEqualTo("version 2 from left\n");
    }

    @Test
    void aMovedBaseBranchRefusesTheMergeUntilTheHeadIsUpToDateAndSquashMakesOneParent() {
        github.requireUpToDate(REPO, "main");
        String head = pushBranch("feature", "feature.txt", "x\n");
        call("POST", "/repos/acme/shop/pulls", Map.of("title", "Feature", "head", "feature", "base", "main"), TOKEN);
        String moved = github.moveBase(REPO, "main", "other.txt", "someone else\n");
        assertThat(git.head(REPO, "main")).contains(moved);

        assertThat(parse(call("GET", "/repos/acme/shop/pulls/1", null, TOKEN))
                        .get("mergeable_state")
                        .asText())
                .isEqualTo("behind");
        HttpResponse<String> behind = merge(1, head);
        assertThat(behind.statusCode()).isEqualTo(405);
        assertThat(behind.body()).contains("not up to date");

        run(clone, "git", "fetch", "-q", "origin");
        run(
                clone,
                "git",
                "-c",
                "user.name=T",
                "-c",
                "user.email=t@example.com",
                "merge",
                "-q",
                "--no-edit",
                "origin/main");
        run(clone, "git", "push", "-q", "origin", "feature");
        String updated = run(clone, "git", "rev-parse", "HEAD").strip();
        assertThat(parse(call("GET", "/repos/acme/shop/pulls/1", null, TOKEN))
                        .at("/head/sha")
                        .asText())
                .isEqualTo(updated);

        HttpResponse<String> squashed =
                call("PUT", "/repos/acme/shop/pulls/1/merge", Map.of("merge_method", "squash", "sha", updated), TOKEN);
        assertThat(squashed.statusCode()).isEqualTo(200);
        String commit = parse(squashed).get("sha").asText();
        run(clone, "git", "fetch", "-q", "origin");
        assertThat(run(clone, "git", "rev-list", "--parents", "-n", "1", commit)
                        .strip()
                        .split(" "))
                .containsExactly(commit, moved);
        assertThat(git.show(REPO, "main", "feature.txt")).isEqualTo("x\n");
        assertThat(git.show(REPO, "main", "other.txt")).isEqualTo("someone else\n");
    }

    @Test
    void withoutStrictProtectionAMovedBaseIsMergedWithTheHead() {
        String head = pushBranch("feature", "feature.txt", "x\n");
        call("POST", "/repos/acme/shop/pulls", Map.of("title", "Feature", "head", "feature", "base", "main"), TOKEN);
        String moved = github.moveBase(REPO, "main", "other.txt", "someone else\n");

        HttpResponse<String> merged = merge(1, head);
        assertThat(merged.statusCode()).isEqualTo(200);
        String commit = parse(merged).get("sha").asText();
        run(clone, "git", "fetch", "-q", "origin");
        assertThat(run(clone, "git", "rev-list", "--parents", "-n", "1", commit)
                        .strip()
                        .split(" "))
                .containsExactly(commit, moved, head);
        assertThat(git.show(REPO, "main", "feature.txt")).isEqualTo("x\n");
        assertThat(git.show(REPO, "main", "other.txt")).isEqualTo("someone else\n");
    }

    @Test
    void badInputIsRefusedWithGitHubsErrorsNamingTheField() {
        HttpResponse<String> noBranch =
                call("POST", "/repos/acme/shop/pulls", Map.of("title", "T", "head", "missing", "base", "main"), TOKEN);
        assertThat(noBranch.statusCode()).isEqualTo(422);
        assertThat(parse(noBranch).get("message").asText()).isEqualTo("Validation Failed");
        assertThat(parse(noBranch).at("/errors/0/field").asText()).isEqualTo("head");

        // a branch at main's commit: nothing to merge
        run(clone, "git", "push", "-q", "origin", "origin/main:refs/heads/empty");
        HttpResponse<String> nothing =
                call("POST", "/repos/acme/shop/pulls", Map.of("title", "T", "head", "empty", "base", "main"), TOKEN);
        assertThat(nothing.statusCode()).isEqualTo(422);
        assertThat(nothing.body()).contains("No commits between main and empty");

        HttpResponse<String> broken =
                send(HttpRequest.newBuilder(URI.create(github.apiUrl() + "/repos/acme/shop/pulls"))
                        .header("Authorization", "Bearer " + TOKEN)
                        .POST(HttpRequest.BodyPublishers.ofString("{not json")));
        assertThat(broken.statusCode()).isEqualTo(400);
        assertThat(parse(broken).get("message").asText()).isEqualTo("Problems parsing JSON");

        String head = pushBranch("feature", "feature.txt", "x\n");
        HttpResponse<String> status =
                call("POST", "/repos/acme/shop/statuses/" + head, Map.of("state", "green", "context", "ci"), TOKEN);
        assertThat(status.statusCode()).isEqualTo(422);
        assertThat(parse(status).at("/errors/0/field").asText()).isEqualTo("state");
        HttpResponse<String> run = call(
                "POST",
                "/repos/acme/shop/check-runs",
                Map.of("name", "ci", "head_sha", head, "status", "completed"),
                TOKEN);
        assertThat(run.statusCode()).isEqualTo(422);
        assertThat(parse(run).at("/errors/0/field").asText()).isEqualTo("conclusion");
        assertThat(call("GET", "/repos/acme/shop/pulls/99", null, TOKEN).statusCode())
                .isEqualTo(404);
        assertThat(call("GET", "/repos/acme/shop/branches/main/protection/required_status_checks", null, TOKEN)
                        .statusCode())
                .isEqualTo(404);
    }

    @Test
    void reviewsAreListedAndRequestedChangesBlockTheMerge() {
        pushBranch("feature", "feature.txt", "x\n");
        call("POST", "/repos/acme/shop/pulls", Map.of("title", "Feature", "head", "feature", "base", "main"), TOKEN);
        github.requireApprovals(REPO, "main", 1);

        HttpResponse<String> own =
                call("POST", "/repos/acme/shop/pulls/1/reviews", Map.of("event", "APPROVE", "body", "self"), TOKEN);
        assertThat(own.statusCode()).isEqualTo(422);
        assertThat(own.body()).contains("Can not approve your own pull request");

        HttpResponse<String> approved = call(
                "POST",
                "/repos/acme/shop/pulls/1/reviews",
                Map.of("event", "APPROVE", "body", "Looks good"),
                REVIEWER_TOKEN);
        assertThat(approved.statusCode()).isEqualTo(200);
        assertThat(parse(approved).get("state").asText()).isEqualTo("APPROVED");
        HttpResponse<String> changes = call(
                "POST",
                "/repos/acme/shop/pulls/1/reviews",
                Map.of(
                        "event",
                        "REQUEST_CHANGES",
                        "body",
                        "Needs a test",
                        "comments",
                        List.of(Map.of("path", "feature.txt", "line", 1, "body", "untested"))),
                SECOND_REVIEWER_TOKEN);
        assertThat(changes.statusCode()).isEqualTo(200);

        JsonNode reviews = parse(call("GET", "/repos/acme/shop/pulls/1/reviews", null, TOKEN));
        assertThat(names(reviews, "state")).containsExactly("APPROVED", "CHANGES_REQUESTED");
        assertThat(reviews.at("/0/user/login").asText()).isEqualTo("alice");
        assertThat(reviews.at("/1/user/login").asText()).isEqualTo("bob");
        assertThat(reviews.at("/1/body").asText()).isEqualTo("Needs a test");
        assertThat(Instant.parse(reviews.at("/1/submitted_at").asText()))
                .isBefore(Instant.now().plusSeconds(1));
        JsonNode comments = parse(call("GET", "/repos/acme/shop/pulls/1/comments", null, TOKEN));
        assertThat(comments).hasSize(1);
        assertThat(comments.at("/0/path").asText()).isEqualTo("feature.txt");
        assertThat(comments.at("/0/body").asText()).isEqualTo("untested");
        assertThat(comments.at("/0/pull_request_review_id").asLong())
                .isEqualTo(parse(changes).get("id").asLong());

        HttpResponse<String> blocked = merge(1, null);
        assertThat(blocked.statusCode()).isEqualTo(405);
        assertThat(blocked.body()).contains("Reviewers requested changes");

        call("POST", "/repos/acme/shop/pulls/1/reviews", Map.of("event", "APPROVE"), SECOND_REVIEWER_TOKEN);
        assertThat(merge(1, null).statusCode()).isEqualTo(200);
    }

    @Test
    void aBadOrMissingTokenIsUnauthorizedAndEveryRequestIsRecorded() {
        HttpResponse<String> bad = call("GET", "/repos/acme/shop/pulls", null, "not-a-token");
        assertThat(bad.statusCode()).isEqualTo(401);
        assertThat(parse(bad).get("message").asText()).isEqualTo("Bad credentials");
        HttpResponse<String> missing = call("GET", "/repos/acme/shop/pulls", null, null);
        assertThat(missing.statusCode()).isEqualTo(401);

        HttpResponse<String> tokenScheme = send(HttpRequest.newBuilder(URI.create(github.apiUrl() + "/repos/acme/shop"))
                .header("Authorization", "token " + TOKEN)
                .GET());
        assertThat(tokenScheme.statusCode()).isEqualTo(200);
        assertThat(parse(tokenScheme).get("full_name").asText()).isEqualTo(REPO);
        assertThat(call("GET", "/repos/acme/unknown/pulls", null, TOKEN).statusCode())
                .isEqualTo(404);

        assertThat(github.requests())
                .usingRecursiveFieldByFieldElementComparatorIgnoringFields("at")
                .containsExactly(
                        new FakeGitHub.Request("GET", "/repos/acme/shop/pulls", 401),
                        new FakeGitHub.Request("GET", "/repos/acme/shop/pulls", 401),
                        new FakeGitHub.Request("GET", "/repos/acme/shop", 200),
                        new FakeGitHub.Request("GET", "/repos/acme/unknown/pulls", 404));
    }

    @Test
    void rateLimitsAndServerErrorsAnswerWithGitHubsHeadersThenRecover() {
        HttpResponse<String> normal = call("GET", "/repos/acme/shop/pulls", null, TOKEN);
        assertThat(normal.statusCode()).isEqualTo(200);
        assertThat(normal.headers().firstValue("x-ratelimit-limit")).contains("5000");
        long remaining = Long.parseLong(
                normal.headers().firstValue("x-ratelimit-remaining").orElseThrow());
        assertThat(remaining).isBetween(1L, 4999L);

        github.rateLimitNext(2);
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> limited = call("GET", "/repos/acme/shop/pulls", null, TOKEN);
            assertThat(limited.statusCode()).isEqualTo(403);
            assertThat(limited.headers().firstValue("x-ratelimit-remaining")).contains("0");
            long reset = Long.parseLong(
                    limited.headers().firstValue("x-ratelimit-reset").orElseThrow());
            assertThat(reset).isGreaterThan(Instant.now().getEpochSecond());
            assertThat(parse(limited).get("message").asText()).startsWith("API rate limit exceeded");
        }
        assertThat(call("GET", "/repos/acme/shop/pulls", null, TOKEN).statusCode())
                .isEqualTo(200);

        github.secondaryRateLimitNext(1, 7);
        HttpResponse<String> secondary = call("GET", "/repos/acme/shop/pulls", null, TOKEN);
        assertThat(secondary.statusCode()).isEqualTo(429);
        assertThat(secondary.headers().firstValue("retry-after")).contains("7");
        assertThat(call("GET", "/repos/acme/shop/pulls", null, TOKEN).statusCode())
                .isEqualTo(200);
        github.secondaryRateLimitNext(1, 3, 403);
        HttpResponse<String> secondary403 = call("GET", "/repos/acme/shop/pulls", null, TOKEN);
        assertThat(secondary403.statusCode()).isEqualTo(403);
        assertThat(secondary403.headers().firstValue("retry-after")).contains("3");
        assertThat(parse(secondary403).get("message").asText()).contains("secondary rate limit");

        github.failNext(1, 503);
        HttpResponse<String> failed = call("GET", "/repos/acme/shop/pulls", null, TOKEN);
        assertThat(failed.statusCode()).isEqualTo(503);
        assertThat(failed.headers().firstValue("x-ratelimit-remaining")).isPresent();
        assertThat(call("GET", "/repos/acme/shop/pulls", null, TOKEN).statusCode())
                .isEqualTo(200);

        github.delayNext(1, Duration.ofMillis(600));
        long started = System.nanoTime();
        assertThat(call("GET", "/repos/acme/shop/pulls", null, TOKEN).statusCode())
                .isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(600));

        assertThat(github.requests().stream().map(FakeGitHub.Request::status).toList())
                .containsExactly(200, 403, 403, 200, 429, 200, 403, 503, 200, 200);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private HttpResponse<String> merge(int number, String sha) {
        Map<String, Object> body =
                sha == null ? Map.of("merge_method", "merge") : Map.of("merge_method", "merge", "sha", sha);
        return call("PUT", "/repos/acme/shop/pulls/" + number + "/merge", body, TOKEN);
    }

    private HttpResponse<String> call(String method, String path, Object body, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(github.apiUrl() + path))
                .header("Accept", "application/vnd.github+json")
                .timeout(Duration.ofSeconds(30));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            request.method(
                    method,
                    body == null
                            ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return send(request);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private JsonNode parse(HttpResponse<String> response) {
        try {
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> names(JsonNode array, String field) {
        List<String> values = new ArrayList<>();
        array.forEach(node ->
                values.add(field == null ? node.asText() : node.get(field).asText()));
        return values;
    }

    /** Pushes a new branch off main with one commit writing {@code path}; returns its head. */
    private String pushBranch(String branch, String path, String content) {
        run(clone, "git", "checkout", "-q", "-b", branch, "origin/main");
        commit(path, content);
        run(clone, "git", "push", "-q", "origin", branch);
        return run(clone, "git", "rev-parse", "HEAD").strip();
    }

    private void commit(String path, String content) {
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
