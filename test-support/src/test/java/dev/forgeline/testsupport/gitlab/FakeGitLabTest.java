package dev.forgeline.testsupport.gitlab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
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

/** The fake GitLab API over a real smart-HTTP git server, called over real HTTP. */
class FakeGitLabTest {
    private static final String PROJECT = "acme/shop";
    private static final String ID = "/projects/acme%2Fshop";
    private static final String TOKEN = "glpat-test-bot-51c0";
    private static final String REVIEWER_TOKEN = "glpat-test-reviewer-0d3e";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private GitHttpServer git;
    private FakeGitLab gitlab;

    @TempDir
    Path work;

    private Path clone;

    @BeforeEach
    void start() {
        git = GitHttpServer.start();
        git.createRepository(PROJECT, Map.of("README.md", "shop\n", "app.txt", "version 1\n"));
        gitlab = FakeGitLab.start(git, TOKEN, "forgeline-bot").addToken(REVIEWER_TOKEN, "alice");
        clone = work.resolve("clone");
        run(work, "git", "clone", "-q", git.url(PROJECT), clone.toString());
    }

    @AfterEach
    void stop() {
        gitlab.close();
        git.close();
    }

    @Test
    void aMergeRequestMergesOnlyOnceThePipelineSucceedsAndTheTargetBranchReallyContainsTheMerge() {
        String head = pushBranch("feature", "feature.txt", "new feature\n");
        String mainBefore = git.head(PROJECT, "main").orElseThrow();
        gitlab.onlyAllowMergeIfPipelineSucceeds(PROJECT, true);
        JsonNode project = parse(call("GET", ID, null, TOKEN));
        assertThat(project.get("path_with_namespace").asText()).isEqualTo(PROJECT);
        assertThat(project.get("only_allow_merge_if_pipeline_succeeds").asBoolean())
                .isTrue();
        assertThat(project.get("http_url_to_repo").asText()).isEqualTo(git.url(PROJECT));
        // the numeric id names the same project
        assertThat(parse(call("GET", "/projects/" + project.get("id").asLong(), null, TOKEN))
                        .get("path_with_namespace")
                        .asText())
                .isEqualTo(PROJECT);

        HttpResponse<String> created = call(
                "POST",
                ID + "/merge_requests",
                Map.of(
                        "source_branch", "feature",
                        "target_branch", "main",
                        "title", "Add feature",
                        "description", "Adds it",
                        "labels", "forgeline,level-0"),
                TOKEN);
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode mr = parse(created);
        assertThat(mr.get("iid").asInt()).isEqualTo(1);
        assertThat(mr.get("state").asText()).isEqualTo("opened");
        assertThat(mr.get("sha").asText()).isEqualTo(head);
        assertThat(mr.get("description").asText()).isEqualTo("Adds it");
        assertThat(mr.at("/author/username").asText()).isEqualTo("forgeline-bot");
        assertThat(texts(mr.get("labels"))).containsExactly("forgeline", "level-0");
        assertThat(mr.get("web_url").asText()).endsWith("/acme/shop/-/merge_requests/1");
        assertThat(mr.get("detailed_merge_status").asText()).isEqualTo("ci_must_pass");

        HttpResponse<String> duplicate = call(
                "POST",
                ID + "/merge_requests",
                Map.of("source_branch", "feature", "target_branch", "main", "title", "Again"),
                TOKEN);
        assertThat(duplicate.statusCode()).isEqualTo(409);
        assertThat(parse(duplicate).get("message").get(0).asText())
                .isEqualTo("Another open merge request already exists for this source branch: !1");
        HttpResponse<String> missing = call("POST", ID + "/merge_requests", Map.of("source_branch", "x"), TOKEN);
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(parse(missing).get("error").asText()).isEqualTo("target_branch is missing, title is missing");

        JsonNode listed = parse(
                call("GET", ID + "/merge_requests?state=opened&source_branch=feature&target_branch=main", null, TOKEN));
        assertThat(listed).hasSize(1);
        assertThat(parse(call("GET", ID + "/merge_requests?state=merged", null, TOKEN)))
                .isEmpty();

        // no pipeline yet: GitLab refuses with 405
        assertThat(merge(1, head).statusCode()).isEqualTo(405);
        HttpResponse<String> failed = call(
                "POST",
                ID + "/statuses/" + head,
                Map.of(
                        "state",
                        "failed",
                        "name",
                        "ci/test",
                        "description",
                        "2 tests failed",
                        "target_url",
                        "http://ci/1"),
                TOKEN);
        assertThat(failed.statusCode()).isEqualTo(201);
        assertThat(parse(failed).get("status").asText()).isEqualTo("failed");
        HttpResponse<String> refused = merge(1, head);
        assertThat(refused.statusCode()).isEqualTo(405);
        assertThat(parse(refused).get("message").asText()).isEqualTo("405 Method Not Allowed");
        assertThat(mergeRequest(1).get("detailed_merge_status").asText()).isEqualTo("ci_must_pass");
        HttpResponse<String> badState =
                call("POST", ID + "/statuses/" + head, Map.of("state", "green", "name", "ci/test"), TOKEN);
        assertThat(badState.statusCode()).isEqualTo(400);
        assertThat(parse(badState).get("error").asText()).isEqualTo("state does not have a valid value");

        call("POST", ID + "/statuses/" + head, Map.of("state", "running", "name", "ci/test"), TOKEN);
        assertThat(mergeRequest(1).get("detailed_merge_status").asText()).isEqualTo("ci_still_running");
        call("POST", ID + "/statuses/" + head, Map.of("state", "success", "name", "ci/test"), TOKEN);
        JsonNode statuses = parse(call("GET", ID + "/repository/commits/" + head + "/statuses", null, TOKEN));
        assertThat(statuses).hasSize(1);
        assertThat(statuses.get(0).get("status").asText()).isEqualTo("success");
        assertThat(parse(call("GET", ID + "/repository/commits/" + head + "/statuses?all=true", null, TOKEN)))
                .hasSize(3);
        assertThat(mergeRequest(1).get("detailed_merge_status").asText()).isEqualTo("mergeable");

        // a stale sha is refused, the branch stays
        HttpResponse<String> stale = merge(1, mainBefore);
        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(parse(stale).get("message").asText()).isEqualTo("SHA does not match HEAD of source branch: " + head);
        assertThat(git.head(PROJECT, "main")).contains(mainBefore);

        HttpResponse<String> merged = call(
                "PUT",
                ID + "/merge_requests/1/merge",
                Map.of("sha", head, "merge_commit_message", "Merge feature (spec/T1)"),
                TOKEN);
        assertThat(merged.statusCode()).isEqualTo(200);
        JsonNode after = parse(merged);
        assertThat(after.get("state").asText()).isEqualTo("merged");
        assertThat(after.at("/merged_by/username").asText()).isEqualTo("forgeline-bot");
        String mergeCommit = after.get("merge_commit_sha").asText();
        assertThat(git.head(PROJECT, "main")).contains(mergeCommit);
        run(clone, "git", "fetch", "-q", "origin");
        assertThat(run(clone, "git", "rev-parse", mergeCommit + "^1", mergeCommit + "^2")
                        .lines()
                        .toList())
                .containsExactly(mainBefore, head);
        assertThat(run(clone, "git", "log", "-1", "--format=%s%n%cn", mergeCommit)
                        .lines()
                        .toList())
                .containsExactly("Merge feature (spec/T1)", "GitLab");
        assertThat(git.show(PROJECT, "main", "feature.txt")).isEqualTo("new feature\n");
        assertThat(merge(1, head).statusCode()).isEqualTo(405);
    }

    @Test
    void approvalsReviewersAndNotesAreListedAndMissingApprovalsOrAConflictBlockTheMerge() {
        String head = pushBranch("change", "app.txt", "version 2\n");
        gitlab.requireApprovals(PROJECT, 1);
        call(
                "POST",
                ID + "/merge_requests",
                Map.of("source_branch", "change", "target_branch", "main", "title", "Change"),
                TOKEN);
        assertThat(mergeRequest(1).get("detailed_merge_status").asText()).isEqualTo("not_approved");
        assertThat(merge(1, head).statusCode()).isEqualTo(405);

        // the author cannot approve their own merge request
        assertThat(call("POST", ID + "/merge_requests/1/approve", null, TOKEN).statusCode())
                .isEqualTo(401);
        HttpResponse<String> approved = call("POST", ID + "/merge_requests/1/approve", null, REVIEWER_TOKEN);
        assertThat(approved.statusCode()).isEqualTo(201);
        JsonNode approvals = parse(call("GET", ID + "/merge_requests/1/approvals", null, TOKEN));
        assertThat(approvals.get("approvals_left").asInt()).isZero();
        assertThat(approvals.at("/approved_by/0/user/username").asText()).isEqualTo("alice");
        assertThat(Instant.parse(approvals.at("/approved_by/0/approved_at").asText()))
                .isBeforeOrEqualTo(Instant.now());
        assertThat(mergeRequest(1).get("detailed_merge_status").asText()).isEqualTo("mergeable");

        // the reviewer then requests changes: the approval goes, the comment is a note of theirs
        gitlab.addReviewer(PROJECT, 1, "alice");
        assertThat(parse(call("GET", ID + "/merge_requests/1/reviewers", null, TOKEN))
                        .at("/0/state")
                        .asText())
                .isEqualTo("unreviewed");
        HttpResponse<String> note = call(
                "POST", ID + "/merge_requests/1/notes", Map.of("body", "version 2 breaks the shop"), REVIEWER_TOKEN);
        assertThat(note.statusCode()).isEqualTo(201);
        assertThat(call("POST", ID + "/merge_requests/1/notes", Map.of(), REVIEWER_TOKEN)
                        .statusCode())
                .isEqualTo(400);
        gitlab.requestChanges(PROJECT, 1, "alice", "keep version 1");
        JsonNode reviewers = parse(call("GET", ID + "/merge_requests/1/reviewers", null, TOKEN));
        assertThat(reviewers.at("/0/user/username").asText()).isEqualTo("alice");
        assertThat(reviewers.at("/0/state").asText()).isEqualTo("requested_changes");
        assertThat(parse(call("GET", ID + "/merge_requests/1/approvals", null, TOKEN))
                        .get("approved_by"))
                .isEmpty();
        List<String> userNotes = new ArrayList<>();
        List<String> systemNotes = new ArrayList<>();
        for (JsonNode n : parse(call("GET", ID + "/merge_requests/1/notes?sort=asc", null, TOKEN))) {
            (n.get("system").asBoolean() ? systemNotes : userNotes)
                    .add(n.at("/author/username").asText() + ": "
                            + n.get("body").asText());
        }
        assertThat(userNotes).containsExactly("alice: version 2 breaks the shop", "alice: keep version 1");
        assertThat(systemNotes).contains("alice: approved this merge request", "alice: unapproved this merge request");

        // someone else changes the same line on main: a conflict, merging is refused
        gitlab.moveBase(PROJECT, "main", "app.txt", "version 3\n");
        call("POST", ID + "/merge_requests/1/approve", null, REVIEWER_TOKEN);
        JsonNode conflicted = mergeRequest(1);
        assertThat(conflicted.get("detailed_merge_status").asText()).isEqualTo("conflict");
        assertThat(conflicted.get("has_conflicts").asBoolean()).isTrue();
        assertThat(merge(1, head).statusCode()).isEqualTo(405);

        HttpResponse<String> closed = call(
                "PUT",
                ID + "/merge_requests/1",
                Map.of("state_event", "close", "description", "Closed: it conflicts"),
                TOKEN);
        assertThat(closed.statusCode()).isEqualTo(200);
        assertThat(parse(closed).get("state").asText()).isEqualTo("closed");
        assertThat(parse(closed).get("description").asText()).isEqualTo("Closed: it conflicts");
        assertThat(call("PUT", ID + "/merge_requests/1", Map.of("state_event", "shut"), TOKEN)
                        .statusCode())
                .isEqualTo(400);
        // a closed merge request no longer blocks a new one from the same branch
        assertThat(call(
                                "POST",
                                ID + "/merge_requests",
                                Map.of("source_branch", "change", "target_branch", "main", "title", "Again"),
                                TOKEN)
                        .statusCode())
                .isEqualTo(201);
    }

    @Test
    void tokensAreCheckedRateLimitsAndServerErrorsAnswerAsGitLabDoesAndEveryRequestIsRecorded() {
        HttpResponse<String> anonymous = call("GET", ID, null, null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(parse(anonymous).get("message").asText()).isEqualTo("401 Unauthorized");
        assertThat(call("GET", ID, null, "wrong").statusCode()).isEqualTo(401);
        HttpRequest.Builder privateToken = HttpRequest.newBuilder(URI.create(gitlab.apiUrl() + ID))
                .header("PRIVATE-TOKEN", TOKEN)
                .GET();
        assertThat(send(privateToken).statusCode()).isEqualTo(200);
        HttpResponse<String> unknown = call("GET", "/projects/acme%2Fnothing", null, TOKEN);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(parse(unknown).get("message").asText()).isEqualTo("404 Project Not Found");

        gitlab.rateLimitNext(1, 7);
        long before = Instant.now().getEpochSecond();
        HttpResponse<String> limited = call("GET", ID, null, TOKEN);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.body()).isEqualTo("Retry later\n");
        assertThat(limited.headers().firstValue("Retry-After")).contains("7");
        assertThat(limited.headers().firstValue("RateLimit-Remaining")).contains("0");
        assertThat(Long.parseLong(
                        limited.headers().firstValue("RateLimit-Reset").orElseThrow()))
                .isBetween(before + 6, before + 8);
        assertThat(call("GET", ID, null, TOKEN).statusCode()).isEqualTo(200);

        gitlab.failNext(1, 502);
        HttpResponse<String> failed = call("GET", ID, null, TOKEN);
        assertThat(failed.statusCode()).isEqualTo(502);
        assertThat(parse(failed).get("message").asText()).isEqualTo("502 Bad Gateway");
        gitlab.delayNext(1, Duration.ofMillis(300));
        long started = System.nanoTime();
        assertThat(call("GET", ID, null, TOKEN).statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));

        List<FakeGitLab.Request> requests = gitlab.requests();
        assertThat(requests.stream().map(r -> r.method() + " " + r.path() + " " + r.status()))
                .containsExactly(
                        "GET /api/v4" + ID + " 401",
                        "GET /api/v4" + ID + " 401",
                        "GET /api/v4" + ID + " 200",
                        "GET /api/v4/projects/acme%2Fnothing 404",
                        "GET /api/v4" + ID + " 429",
                        "GET /api/v4" + ID + " 200",
                        "GET /api/v4" + ID + " 502",
                        "GET /api/v4" + ID + " 200");
        for (int i = 1; i < requests.size(); i++) {
            assertThat(requests.get(i).at())
                    .isAfterOrEqualTo(requests.get(i - 1).at());
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private JsonNode mergeRequest(int iid) {
        return parse(call("GET", ID + "/merge_requests/" + iid, null, TOKEN));
    }

    private HttpResponse<String> merge(int iid, String sha) {
        return call("PUT", ID + "/merge_requests/" + iid + "/merge", Map.of("sha", sha), TOKEN);
    }

    private HttpResponse<String> call(String method, String path, Object body, String token) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(gitlab.apiUrl() + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
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

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(node.asText()));
        return values;
    }

    /** Pushes a new branch off main with one commit writing {@code path}; returns its head. */
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
