package dev.forgeline.review;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.contracts.DecisionKind;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.DecisionRecorded;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import dev.forgeline.testsupport.github.FakeGitHub;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merge mode pull-request end to end: results and acceptances over the real broker, pull requests on a fake GitHub
 * whose merges are real git merges on a real git server, the checks and reviews given there as CI and people give
 * them.
 */
@QuarkusTest
@TestProfile(PullRequestModeTest.PullRequestMode.class)
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = GitTokenResource.class, restrictToAnnotatedClass = false)
class PullRequestModeTest {
    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TestKafka kafka;

    public static class PullRequestMode implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(GitHubResource.class));
        }
    }

    @GitHubResource.Inject
    GitHubResource.Servers servers;

    @TempDir
    Path tmp;

    @BeforeAll
    static void connect() {
        kafka = TestKafka.forApplication();
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    @Test
    void aFailedRequiredCheckSendsTheTaskBackWithItsOutputAndTheSecondAttemptMergesOnceGreen() {
        String spec = Events.uniqueSpec("prcheck");
        String name = "acme/" + spec;
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt first = repo.attemptBranch(spec, "T1", 1, "src/slug.sh", "echo slug\n");
        repo.serve(servers.git(), name, servers.token());
        servers.github().requireChecks(name, "main", "ci/test");
        String mainBefore = repo.servedMain();

        publish(spec, "T1", 21, 1, servers.url(name), first);
        assertThat(awaitOutcome(spec, "T1", TaskState.IN_REVIEW).level()).isZero();

        JsonNode pr = awaitOpenPullRequest(name, first.branch());
        assertThat(pr.path("base").path("ref").asText()).isEqualTo("main");
        assertThat(pr.path("head").path("sha").asText()).isEqualTo(first.commit());
        assertThat(pr.path("body").asText()).contains("Review level 0", "`sh test.sh` passed", spec + "/T1");
        assertThat(pr.path("labels").findValuesAsText("name")).containsExactly("forgeline-level-0");
        await().atMost(WAIT)
                .until(
                        () -> given().get("/reviews/{s}/{t}", spec, "T1").path("pullRequestStatus"),
                        s -> String.valueOf(s).contains("waits for required checks: ci/test (expected)"));

        // CI reports a failing check run on the head
        api(
                "POST",
                "/repos/" + name + "/check-runs",
                Map.of(
                        "name", "ci/test",
                        "head_sha", first.commit(),
                        "status", "completed",
                        "conclusion", "failure",
                        "output", Map.of("title", "1 test failed", "summary", "FAIL slug_test: expected 'slug-1'")),
                servers.token());

        ReviewOutcome failed = awaitOutcome(spec, "T1", TaskState.FAILED);
        assertThat(failed.fencingToken()).isEqualTo(21);
        assertThat(failed.failureClass()).isEqualTo(FailureClass.TEST_FAILURE);
        assertThat(failed.comment()).contains("required check ci/test failed", "FAIL slug_test: expected 'slug-1'");
        assertThat(pullRequest(name, pr.path("number").asInt()).path("state").asText())
                .isEqualTo("closed");
        assertThat(repo.servedMain()).isEqualTo(mainBefore);

        // the agent's second attempt passes the check
        GitRepo.Attempt second = repo.attemptBranch(spec, "T1", 2, "src/slug.sh", "echo slug-1\n");
        repo.push(second.branch());
        publish(spec, "T1", 22, 2, servers.url(name), second);
        JsonNode pr2 = awaitOpenPullRequest(name, second.branch());
        api(
                "POST",
                "/repos/" + name + "/statuses/" + second.commit(),
                Map.of("state", "success", "context", "ci/test", "description", "all green"),
                servers.token());

        ReviewOutcome merged = awaitOutcome(spec, "T1", TaskState.MERGED);
        assertThat(merged.fencingToken()).isEqualTo(22);
        assertThat(merged.mergeCommit()).isEqualTo(repo.servedMain());
        assertThat(merged.linesMerged()).isEqualTo(1);
        assertThat(repo.servedFile("src/slug.sh")).isEqualTo("echo slug-1\n");
        JsonNode mergedPr = pullRequest(name, pr2.path("number").asInt());
        assertThat(mergedPr.path("merged").asBoolean()).isTrue();
        assertThat(mergedPr.path("merge_commit_sha").asText()).isEqualTo(merged.mergeCommit());
        given().get("/reviews/{s}/{t}", spec, "T1")
                .then()
                .statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("MERGED"))
                .body(
                        "pullRequestUrl",
                        org.hamcrest.Matchers.equalTo(mergedPr.path("html_url").asText()));
    }

    @Test
    void aLevelTwoChangeIsApprovedThroughAPullRequestReviewAndMerged() {
        String spec = Events.uniqueSpec("prapprove");
        String name = "acme/" + spec;
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt auth = repo.attemptBranch(
                spec,
                "T2",
                1,
                "src/main/java/com/acme/auth/LoginCheck.java",
                "package com.acme.auth;\n\nclass LoginCheck {\n}\n");
        repo.serve(servers.git(), name, servers.token());

        publish(spec, "T2", 31, 1, servers.url(name), auth);
        ReviewOutcome pending = awaitOutcome(spec, "T2", TaskState.IN_REVIEW);
        assertThat(pending.level()).isEqualTo(2);
        JsonNode pr = awaitOpenPullRequest(name, auth.branch());
        assertThat(pr.path("labels").findValuesAsText("name")).containsExactly("forgeline-level-2");
        assertThat(pr.path("body").asText()).contains("**Review level 2**: full review", "security surface");
        await().atMost(WAIT)
                .until(
                        () -> given().get("/reviews/{s}/{t}", spec, "T2").path("pullRequestStatus"),
                        s -> String.valueOf(s).startsWith("waits for a review"));
        given().get("/ui/reviews/{s}/{t}", spec, "T2")
                .then()
                .statusCode(200)
                .body(org.hamcrest.Matchers.containsString(
                        "<a href=\"" + pr.path("html_url").asText() + "\">"))
                .body(org.hamcrest.Matchers.containsString("waits for a review"));
        assertThat(repo.servedFile("README.md")).isNotNull();
        assertThat(servers.git().head(name, "main")).contains(auth.baseCommit());

        int number = pr.path("number").asInt();
        api(
                "POST",
                "/repos/" + name + "/pulls/" + number + "/reviews",
                Map.of("event", "APPROVE", "body", "login rules checked"),
                GitHubResource.REVIEWER_TOKEN);

        DecisionRecorded decision = awaitDecision(spec, "T2", "APPROVED");
        assertThat(decision.decidedBy()).isEqualTo(GitHubResource.REVIEWER);
        assertThat(decision.level()).isEqualTo(2);
        assertThat(decision.project()).isEqualTo("default");
        ReviewOutcome merged = awaitOutcome(spec, "T2", TaskState.MERGED);
        assertThat(merged.reviewer()).isEqualTo(GitHubResource.REVIEWER);
        assertThat(merged.mergeCommit()).isEqualTo(repo.servedMain());
        assertThat(pullRequest(name, number).path("merged").asBoolean()).isTrue();
    }

    @Test
    void changesRequestedOnThePullRequestSendTheTaskBackWithTheReviewersComments() {
        String spec = Events.uniqueSpec("prchanges");
        String name = "acme/" + spec;
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt large = repo.attemptBranch(spec, "T3", "data/big.txt", 150);
        repo.serve(servers.git(), name, servers.token());

        publish(spec, "T3", 41, 1, servers.url(name), large);
        assertThat(awaitOutcome(spec, "T3", TaskState.IN_REVIEW).level()).isEqualTo(1);
        int number = awaitOpenPullRequest(name, large.branch()).path("number").asInt();
        api(
                "POST",
                "/repos/" + name + "/pulls/" + number + "/reviews",
                Map.of(
                        "event", "REQUEST_CHANGES",
                        "body", "split this file",
                        "comments",
                                List.of(Map.of("path", "data/big.txt", "line", 7, "body", "line 7 is a duplicate"))),
                GitHubResource.REVIEWER_TOKEN);

        ReviewOutcome sentBack = awaitOutcome(spec, "T3", TaskState.FAILED);
        assertThat(sentBack.failureClass()).isEqualTo(FailureClass.CHANGES_REQUESTED);
        assertThat(sentBack.reviewer()).isEqualTo(GitHubResource.REVIEWER);
        assertThat(sentBack.comment()).contains("split this file", "data/big.txt:7: line 7 is a duplicate");
        await().atMost(WAIT).until(() -> pullRequest(name, number).path("state").asText(), "closed"::equals);
        assertThat(repo.servedMain()).isEqualTo(large.baseCommit());
    }

    @Test
    void aPullRequestClosedOnTheHostRejectsTheAttempt() {
        String spec = Events.uniqueSpec("prclosed");
        String name = "acme/" + spec;
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt large = repo.attemptBranch(spec, "T4", "data/big.txt", 120);
        repo.serve(servers.git(), name, servers.token());

        publish(spec, "T4", 51, 1, servers.url(name), large);
        int number = awaitOpenPullRequest(name, large.branch()).path("number").asInt();
        api("PATCH", "/repos/" + name + "/pulls/" + number, Map.of("state", "closed"), GitHubResource.REVIEWER_TOKEN);

        ReviewOutcome rejected = awaitOutcome(spec, "T4", TaskState.REJECTED);
        assertThat(rejected.comment()).contains("closed without merging");
        assertThat(repo.servedMain()).isEqualTo(large.baseCommit());
    }

    @Test
    void aRateLimitIsWaitedOutWithoutAskingAgainBeforeItsEnd() {
        String spec = Events.uniqueSpec("prlimit");
        String name = "acme/" + spec;
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt attempt = repo.attemptBranch(spec, "T5", 1, "src/limit.sh", "echo limit\n");
        repo.serve(servers.git(), name, servers.token());
        FakeGitHub github = servers.github();
        int before = github.requests().size();
        github.secondaryRateLimitNext(1, 3);

        publish(spec, "T5", 61, 1, servers.url(name), attempt);
        await().atMost(WAIT)
                .until(
                        () -> given().get("/reviews/{s}/{t}", spec, "T5").path("pullRequestStatus"),
                        s -> String.valueOf(s).contains("rate limit"));
        ReviewOutcome merged = awaitOutcome(spec, "T5", TaskState.MERGED);
        assertThat(merged.mergeCommit()).isEqualTo(repo.servedMain());

        List<FakeGitHub.Request> seen =
                github.requests().subList(before, github.requests().size());
        FakeGitHub.Request limited =
                seen.stream().filter(r -> r.status() == 429).findFirst().orElseThrow();
        FakeGitHub.Request next = seen.get(seen.indexOf(limited) + 1);
        assertThat(Duration.between(limited.at(), next.at()))
                .as("the first request after the 429 (retry-after: 3)")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(3).minusMillis(50));
    }

    @Test
    void aRevertGoesThroughARevertPullRequestThatMergesOnceItsChecksAreGreen() {
        String spec = Events.uniqueSpec("prrevert");
        String name = "acme/" + spec;
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt attempt = repo.attemptBranch(spec, "T6", 1, "src/revert-me.sh", "echo revert me\n");
        repo.serve(servers.git(), name, servers.token());
        servers.github().requireChecks(name, "main", "ci/test");
        publish(spec, "T6", 71, 1, servers.url(name), attempt);
        awaitOpenPullRequest(name, attempt.branch());
        api(
                "POST",
                "/repos/" + name + "/statuses/" + attempt.commit(),
                Map.of("state", "success", "context", "ci/test"),
                servers.token());
        ReviewOutcome merged = awaitOutcome(spec, "T6", TaskState.MERGED);
        assertThat(repo.servedFile("src/revert-me.sh")).isEqualTo("echo revert me\n");

        given().contentType("application/json")
                .body("{\"reviewer\":\"bo\",\"reason\":\"breaks the release\"}")
                .post("/merges/{id}/revert", merged.mergeCommit())
                .then()
                .statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("MERGED"));
        JsonNode revert = awaitOpenPullRequest(
                name, "forgeline/revert/" + merged.mergeCommit().substring(0, 12));
        assertThat(revert.path("labels").findValuesAsText("name")).containsExactly("forgeline-revert");
        await().atMost(WAIT)
                .until(
                        () -> given().get("/merges/{id}", merged.mergeCommit()).path("pullRequestStatus"),
                        s -> String.valueOf(s).contains("waits for its checks: ci/test (expected)"));
        assertThat(repo.servedFile("src/revert-me.sh"))
                .as("not reverted before its checks")
                .isNotNull();

        String revertCommit = revert.path("head").path("sha").asText();
        api(
                "POST",
                "/repos/" + name + "/statuses/" + revertCommit,
                Map.of("state", "success", "context", "ci/test"),
                servers.token());
        ReviewOutcome reverted = awaitOutcome(spec, "T6", TaskState.REVERTED);
        assertThat(reverted.reviewer()).isEqualTo("bo");
        assertThat(reverted.comment()).isEqualTo("breaks the release");
        assertThatThrownBy(() -> repo.servedFile("src/revert-me.sh"))
                .as("gone from the served main")
                .hasMessageContaining("does not exist");
        assertThat(pullRequest(name, revert.path("number").asInt())
                        .path("merged")
                        .asBoolean())
                .isTrue();
        given().get("/merges/{id}", merged.mergeCommit())
                .then()
                .body("state", org.hamcrest.Matchers.equalTo("REVERTED"))
                .body("revertCommit", org.hamcrest.Matchers.equalTo(revertCommit));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static void publish(String spec, String task, long token, int attempt, String url, GitRepo.Attempt a) {
        kafka.publish(EventType.TASK_RESULT, spec, task, task, Events.succeeded(spec, task, token, attempt, url, a));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, task, task, Events.accepted(spec, task, token));
    }

    private JsonNode awaitOpenPullRequest(String repo, String branch) {
        return await().atMost(WAIT)
                .until(
                        () -> {
                            JsonNode list = api(
                                    "GET",
                                    "/repos/" + repo + "/pulls?state=open&head=acme:" + branch,
                                    null,
                                    servers.token());
                            return list.isArray() && !list.isEmpty() ? list.get(0) : null;
                        },
                        pr -> pr != null && !pr.path("labels").isEmpty());
    }

    private JsonNode pullRequest(String repo, int number) {
        return api("GET", "/repos/" + repo + "/pulls/" + number, null, servers.token());
    }

    private JsonNode api(String method, String path, Object body, String token) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(
                            URI.create(servers.github().apiUrl() + path))
                    .header("Authorization", "Bearer " + token)
                    .header("Accept", "application/vnd.github+json");
            request.method(
                    method,
                    body == null
                            ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode())
                    .as(method + " " + path + ": " + response.body())
                    .isBetween(200, 299);
            return response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static ReviewOutcome awaitOutcome(String spec, String task, TaskState state) {
        return kafka.await(
                        Topics.REVIEW_OUTCOMES,
                        e -> spec.equals(e.specId())
                                && task.equals(e.taskId())
                                && e.payloadAs(ReviewOutcome.class).state() == state,
                        1,
                        WAIT)
                .get(0)
                .payloadAs(ReviewOutcome.class);
    }

    private static DecisionRecorded awaitDecision(String spec, String task, String outcome) {
        return kafka.await(
                        Topics.DECISIONS,
                        e -> spec.equals(e.specId())
                                && task.equals(e.taskId())
                                && e.payloadAs(DecisionRecorded.class).kind() == DecisionKind.REVIEW
                                && outcome.equals(
                                        e.payloadAs(DecisionRecorded.class).outcome()),
                        1,
                        WAIT)
                .get(0)
                .payloadAs(DecisionRecorded.class);
    }
}
