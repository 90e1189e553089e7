package dev.forgeline.review;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import dev.forgeline.testsupport.gitlab.FakeGitLab;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merge mode pull-request on GitLab end to end: results and acceptances over the real broker, merge requests on a
 * fake GitLab whose merges are real git merges on a real git server, the commit statuses and approvals given
 * there as CI and people give them.
 */
@QuarkusTest
@TestProfile(MergeRequestModeTest.MergeRequestMode.class)
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = GitTokenResource.class, restrictToAnnotatedClass = false)
class MergeRequestModeTest {
    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TestKafka kafka;

    public static class MergeRequestMode implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(GitLabResource.class));
        }
    }

    @GitLabResource.Inject
    GitLabResource.Servers servers;

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
    void aFailedStatusSendsTheTaskBackWithItsDescriptionAndTheSecondAttemptMergesOnceGreen() {
        String spec = Events.uniqueSpec("mrcheck");
        String name = "acme/" + spec;
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt first = repo.attemptBranch(spec, "T1", 1, "src/slug.sh", "echo slug\n");
        repo.serve(servers.git(), name, servers.token());
        servers.gitlab().onlyAllowMergeIfPipelineSucceeds(name, true);
        String mainBefore = repo.servedMain();

        publish(spec, "T1", 21, 1, servers.url(name), first);
        assertThat(awaitOutcome(spec, "T1", TaskState.IN_REVIEW).level()).isZero();

        JsonNode mr = awaitOpenMergeRequest(name, first.branch());
        assertThat(mr.path("target_branch").asText()).isEqualTo("main");
        assertThat(mr.path("sha").asText()).isEqualTo(first.commit());
        assertThat(mr.path("description").asText()).contains("Review level 0", "`sh test.sh` passed", spec + "/T1");
        assertThat(texts(mr.path("labels"))).containsExactly("forgeline-level-0");
        await().atMost(WAIT)
                .until(
                        () -> given().get("/reviews/{s}/{t}", spec, "T1").path("pullRequestStatus"),
                        s -> String.valueOf(s).contains("waits for required checks: pipeline (expected)"));

        // CI reports a failed status on the head
        api(
                "POST",
                project(name) + "/statuses/" + first.commit(),
                Map.of(
                        "state", "failed",
                        "name", "ci/test",
                        "description", "FAIL slug_test: expected 'slug-1'",
                        "target_url", "http://ci.example/jobs/7"),
                servers.token());

        ReviewOutcome failed = awaitOutcome(spec, "T1", TaskState.FAILED);
        assertThat(failed.fencingToken()).isEqualTo(21);
        assertThat(failed.failureClass()).isEqualTo(FailureClass.TEST_FAILURE);
        assertThat(failed.comment())
                .contains(
                        "required check ci/test failed (http://ci.example/jobs/7)",
                        "FAIL slug_test: expected 'slug-1'");
        JsonNode closed = mergeRequest(name, mr.path("iid").asInt());
        assertThat(closed.path("state").asText()).isEqualTo("closed");
        assertThat(closed.path("description").asText()).contains("**Closed by Forgeline:** a required check failed");
        assertThat(repo.servedMain()).isEqualTo(mainBefore);

        // the agent's second attempt passes
        GitRepo.Attempt second = repo.attemptBranch(spec, "T1", 2, "src/slug.sh", "echo slug-1\n");
        repo.push(second.branch());
        publish(spec, "T1", 22, 2, servers.url(name), second);
        JsonNode mr2 = awaitOpenMergeRequest(name, second.branch());
        api(
                "POST",
                project(name) + "/statuses/" + second.commit(),
                Map.of("state", "success", "name", "ci/test", "description", "all green"),
                servers.token());

        ReviewOutcome merged = awaitOutcome(spec, "T1", TaskState.MERGED);
        assertThat(merged.fencingToken()).isEqualTo(22);
        assertThat(merged.mergeCommit()).isEqualTo(repo.servedMain());
        assertThat(merged.linesMerged()).isEqualTo(1);
        assertThat(repo.servedFile("src/slug.sh")).isEqualTo("echo slug-1\n");
        repo.git("fetch", "-q", "origin");
        assertThat(repo.rev(merged.mergeCommit() + "^1")).isEqualTo(mainBefore);
        assertThat(repo.rev(merged.mergeCommit() + "^2")).isEqualTo(second.commit());
        JsonNode mergedMr = mergeRequest(name, mr2.path("iid").asInt());
        assertThat(mergedMr.path("state").asText()).isEqualTo("merged");
        assertThat(mergedMr.path("merge_commit_sha").asText()).isEqualTo(merged.mergeCommit());
        given().get("/reviews/{s}/{t}", spec, "T1")
                .then()
                .statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("MERGED"))
                .body(
                        "pullRequestUrl",
                        org.hamcrest.Matchers.equalTo(mergedMr.path("web_url").asText()));
    }

    @Test
    void aLevelTwoChangeApprovedOnGitLabIsMergedWithTheApproverAsReviewer() {
        String spec = Events.uniqueSpec("mrapprove");
        String name = "acme/" + spec;
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt auth = repo.attemptBranch(
                spec,
                "T2",
                1,
                "src/main/java/com/acme/auth/LoginCheck.java",
                "package com.acme.auth;\n\nclass LoginCheck {\n}\n");
        repo.serve(servers.git(), name, servers.token());
        servers.gitlab().requireApprovals(name, 1);

        publish(spec, "T2", 31, 1, servers.url(name), auth);
        ReviewOutcome pending = awaitOutcome(spec, "T2", TaskState.IN_REVIEW);
        assertThat(pending.level()).isEqualTo(2);
        JsonNode mr = awaitOpenMergeRequest(name, auth.branch());
        assertThat(texts(mr.path("labels"))).containsExactly("forgeline-level-2");
        assertThat(mr.path("description").asText()).contains("**Review level 2**: full review", "security surface");
        await().atMost(WAIT)
                .until(
                        () -> given().get("/reviews/{s}/{t}", spec, "T2").path("pullRequestStatus"),
                        s -> String.valueOf(s).startsWith("waits for a review"));
        assertThat(servers.git().head(name, "main")).contains(auth.baseCommit());

        int iid = mr.path("iid").asInt();
        api("POST", project(name) + "/merge_requests/" + iid + "/approve", Map.of(), GitLabResource.REVIEWER_TOKEN);

        DecisionRecorded decision = awaitDecision(spec, "T2", "APPROVED");
        assertThat(decision.decidedBy()).isEqualTo(GitLabResource.REVIEWER);
        assertThat(decision.level()).isEqualTo(2);
        ReviewOutcome merged = awaitOutcome(spec, "T2", TaskState.MERGED);
        assertThat(merged.reviewer()).isEqualTo(GitLabResource.REVIEWER);
        assertThat(merged.mergeCommit()).isEqualTo(repo.servedMain());
        JsonNode mergedMr = mergeRequest(name, iid);
        assertThat(mergedMr.path("state").asText()).isEqualTo("merged");
        assertThat(mergedMr.path("merged_by").path("username").asText()).isEqualTo(GitLabResource.BOT);
    }

    @Test
    void changesRequestedOnTheMergeRequestSendTheTaskBackWithTheReviewersNotes() {
        String spec = Events.uniqueSpec("mrchanges");
        String name = "acme/" + spec;
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt large = repo.attemptBranch(spec, "T3", "data/big.txt", 150);
        repo.serve(servers.git(), name, servers.token());

        publish(spec, "T3", 41, 1, servers.url(name), large);
        assertThat(awaitOutcome(spec, "T3", TaskState.IN_REVIEW).level()).isEqualTo(1);
        int iid = awaitOpenMergeRequest(name, large.branch()).path("iid").asInt();
        // the author's own note is not a reviewer's comment
        api(
                "POST",
                project(name) + "/merge_requests/" + iid + "/notes",
                Map.of("body", "generated by Forgeline"),
                servers.token());
        api(
                "POST",
                project(name) + "/merge_requests/" + iid + "/notes",
                Map.of("body", "line 7 is a duplicate"),
                GitLabResource.REVIEWER_TOKEN);
        servers.gitlab().requestChanges(name, iid, GitLabResource.REVIEWER, "split this file");

        ReviewOutcome sentBack = awaitOutcome(spec, "T3", TaskState.FAILED);
        assertThat(sentBack.failureClass()).isEqualTo(FailureClass.CHANGES_REQUESTED);
        assertThat(sentBack.reviewer()).isEqualTo(GitLabResource.REVIEWER);
        assertThat(sentBack.comment())
                .contains("line 7 is a duplicate", "split this file")
                .doesNotContain("generated by Forgeline", "requested changes");
        await().atMost(WAIT).until(() -> mergeRequest(name, iid).path("state").asText(), "closed"::equals);
        assertThat(repo.servedMain()).isEqualTo(large.baseCommit());
    }

    @Test
    void aRateLimitIsWaitedOutWithoutAskingAgainBeforeItsEnd() {
        String spec = Events.uniqueSpec("mrlimit");
        String name = "acme/" + spec;
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt attempt = repo.attemptBranch(spec, "T5", 1, "src/limit.sh", "echo limit\n");
        repo.serve(servers.git(), name, servers.token());
        FakeGitLab gitlab = servers.gitlab();
        int before = gitlab.requests().size();
        gitlab.rateLimitNext(1, 3);

        publish(spec, "T5", 61, 1, servers.url(name), attempt);
        await().atMost(WAIT)
                .until(
                        () -> given().get("/reviews/{s}/{t}", spec, "T5").path("pullRequestStatus"),
                        s -> String.valueOf(s).contains("rate limit"));
        ReviewOutcome merged = awaitOutcome(spec, "T5", TaskState.MERGED);
        assertThat(merged.mergeCommit()).isEqualTo(repo.servedMain());

        List<FakeGitLab.Request> seen =
                gitlab.requests().subList(before, gitlab.requests().size());
        FakeGitLab.Request limited =
                seen.stream().filter(r -> r.status() == 429).findFirst().orElseThrow();
        FakeGitLab.Request next = seen.get(seen.indexOf(limited) + 1);
        assertThat(Duration.between(limited.at(), next.at()))
                .as("the first request after the 429 (Retry-After: 3)")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(3).minusMillis(50));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static void publish(String spec, String task, long token, int attempt, String url, GitRepo.Attempt a) {
        kafka.publish(EventType.TASK_RESULT, spec, task, task, Events.succeeded(spec, task, token, attempt, url, a));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, task, task, Events.accepted(spec, task, token));
    }

    private static String project(String name) {
        return "/projects/" + URLEncoder.encode(name, StandardCharsets.UTF_8);
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new java.util.ArrayList<>();
        array.forEach(node -> values.add(node.asText()));
        return values;
    }

    private JsonNode awaitOpenMergeRequest(String name, String branch) {
        return await().atMost(WAIT)
                .until(
                        () -> {
                            JsonNode list = api(
                                    "GET",
                                    project(name) + "/merge_requests?state=opened&source_branch="
                                            + URLEncoder.encode(branch, StandardCharsets.UTF_8),
                                    null,
                                    servers.token());
                            return list.isArray() && !list.isEmpty() ? list.get(0) : null;
                        },
                        mr -> mr != null && !mr.path("labels").isEmpty());
    }

    private JsonNode mergeRequest(String name, int iid) {
        return api("GET", project(name) + "/merge_requests/" + iid, null, servers.token());
    }

    private JsonNode api(String method, String path, Object body, String token) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(
                            URI.create(servers.gitlab().apiUrl() + path))
                    .header("PRIVATE-TOKEN", token)
                    .header("Content-Type", "application/json");
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
