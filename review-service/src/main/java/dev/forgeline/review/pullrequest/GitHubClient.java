package dev.forgeline.review.pullrequest;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Pull requests on GitHub through its REST API v3 ({@code https://api.github.com}, or a GitHub Enterprise Server's
 * {@code https://host/api/v3}). Required checks come from the base branch's protection; a commit status or a check
 * run of the required name counts.
 */
final class GitHubClient implements HostingClient {
    private final HostingHttp http;
    private final String repo;
    private final String owner;

    GitHubClient(HostingHttp http, String fullName) {
        this.http = http;
        this.repo = "/repos/" + fullName;
        this.owner = fullName.substring(0, fullName.indexOf('/'));
    }

    @Override
    public String kind() {
        return "github";
    }

    @Override
    public PullRequest open(String head, String base, String title, String body, List<String> labels) {
        PullRequest pr = existing(head, base);
        if (pr == null) {
            Map<String, Object> request = new LinkedHashMap<>();
            request.put("title", title);
            request.put("head", head);
            request.put("base", base);
            request.put("body", body);
            HostingHttp.Answer answer = http.send("POST", repo + "/pulls", request);
            if (answer.status() == 422
                    && answer.body() != null
                    && answer.body().toString().contains("already exists")) {
                pr = existing(head, base);
            } else {
                pr = pullRequest(expect(answer, "open a pull request from " + head + " into " + base));
            }
            if (pr == null) {
                throw new HostingException(
                        422, "GitHub says a pull request from " + head + " exists but lists none", null);
            }
        }
        if (!labels.isEmpty()) {
            expect(
                    http.send("POST", repo + "/issues/" + pr.number() + "/labels", Map.of("labels", labels)),
                    "label pull request #" + pr.number());
        }
        return pr;
    }

    private PullRequest existing(String head, String base) {
        JsonNode list = expect(
                http.get(repo + "/pulls?state=open&head=" + encode(owner + ":" + head) + "&base=" + encode(base)),
                "list pull requests");
        return list.isArray() && !list.isEmpty() ? pullRequest(list.get(0)) : null;
    }

    @Override
    public PullRequest get(int number) {
        return pullRequest(expect(http.get(repo + "/pulls/" + number), "read pull request #" + number));
    }

    @Override
    public void close(int number, String reason) {
        JsonNode pr = expect(http.get(repo + "/pulls/" + number), "read pull request #" + number);
        String body = text(pr, "body");
        Map<String, Object> change = new LinkedHashMap<>();
        change.put("state", "closed");
        change.put("body", (body == null ? "" : body + "\n\n") + "**Closed by Forgeline:** " + reason);
        expect(http.send("PATCH", repo + "/pulls/" + number, change), "close pull request #" + number);
    }

    @Override
    public List<CheckResult> checks(String base, String headSha) {
        List<String> required = requiredChecks(base);
        Map<String, CheckResult> reported = new LinkedHashMap<>();
        JsonNode combined =
                expect(http.get(repo + "/commits/" + headSha + "/status"), "read the statuses of " + headSha);
        for (JsonNode status : combined.path("statuses")) {
            String state = text(status, "state");
            reported.put(
                    text(status, "context"),
                    new CheckResult(
                            text(status, "context"),
                            switch (state == null ? "" : state) {
                                case "success" -> CheckResult.State.SUCCESS;
                                case "failure", "error" -> CheckResult.State.FAILURE;
                                default -> CheckResult.State.PENDING;
                            },
                            join(state, text(status, "description")),
                            text(status, "target_url")));
        }
        JsonNode runs =
                expect(http.get(repo + "/commits/" + headSha + "/check-runs"), "read the check runs of " + headSha);
        for (JsonNode run : runs.path("check_runs")) {
            String conclusion = text(run, "conclusion");
            CheckResult.State state;
            if (!"completed".equals(text(run, "status"))) {
                state = CheckResult.State.PENDING;
            } else if ("success".equals(conclusion) || "neutral".equals(conclusion) || "skipped".equals(conclusion)) {
                state = CheckResult.State.SUCCESS;
            } else {
                state = CheckResult.State.FAILURE;
            }
            JsonNode output = run.path("output");
            reported.put(
                    text(run, "name"),
                    new CheckResult(
                            text(run, "name"),
                            state,
                            join(
                                    conclusion,
                                    join(text(output, "title"), join(text(output, "summary"), text(output, "text")))),
                            text(run, "html_url")));
        }
        if (required.isEmpty()) {
            return List.copyOf(reported.values());
        }
        List<CheckResult> results = new ArrayList<>();
        for (String name : required) {
            CheckResult result = reported.get(name);
            results.add(
                    result != null
                            ? result
                            : new CheckResult(name, CheckResult.State.EXPECTED, "expected, not reported yet", null));
        }
        return results;
    }

    /** The base branch's required check names; none when it is not protected or the token may not read it. */
    private List<String> requiredChecks(String base) {
        HostingHttp.Answer answer = http.get(repo + "/branches/" + encode(base) + "/protection/required_status_checks");
        if (answer.status() == 404 || answer.status() == 403) {
            return List.of();
        }
        JsonNode body = expect(answer, "read the required checks of " + base);
        List<String> names = new ArrayList<>();
        body.path("contexts").forEach(c -> names.add(c.asText()));
        body.path("checks").forEach(c -> {
            String context = text(c, "context");
            if (context != null && !names.contains(context)) {
                names.add(context);
            }
        });
        return names;
    }

    @Override
    public List<PullRequestReview> reviews(int number) {
        JsonNode reviews = expect(http.get(repo + "/pulls/" + number + "/reviews"), "read the reviews of #" + number);
        JsonNode comments =
                expect(http.get(repo + "/pulls/" + number + "/comments"), "read the review comments of #" + number);
        List<PullRequestReview> result = new ArrayList<>();
        for (JsonNode review : reviews) {
            PullRequestReview.Verdict verdict = switch (String.valueOf(text(review, "state"))) {
                case "APPROVED" -> PullRequestReview.Verdict.APPROVED;
                case "CHANGES_REQUESTED" -> PullRequestReview.Verdict.CHANGES_REQUESTED;
                case "COMMENTED" -> PullRequestReview.Verdict.COMMENTED;
                default -> null; // PENDING (a draft) or DISMISSED: not a decision
            };
            if (verdict == null) {
                continue;
            }
            long id = review.path("id").asLong();
            List<String> lines = new ArrayList<>();
            for (JsonNode comment : comments) {
                if (comment.path("pull_request_review_id").asLong() == id) {
                    JsonNode line = comment.path("line");
                    lines.add(text(comment, "path") + (line.isNumber() ? ":" + line.asInt() : "") + ": "
                            + text(comment, "body"));
                }
            }
            String submitted = text(review, "submitted_at");
            result.add(new PullRequestReview(
                    review.path("user").path("login").asText(),
                    verdict,
                    text(review, "body"),
                    lines,
                    submitted == null ? Instant.EPOCH : Instant.parse(submitted)));
        }
        return result;
    }

    @Override
    public MergeAttempt merge(int number, String headSha, String title) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("sha", headSha);
        request.put("merge_method", "merge");
        request.put("commit_title", title);
        HostingHttp.Answer answer = http.send("PUT", repo + "/pulls/" + number + "/merge", request);
        if (answer.ok() && answer.body() != null && answer.body().path("merged").asBoolean(false)) {
            return new MergeAttempt.Merged(text(answer.body(), "sha"));
        }
        String message = answer.message();
        if (answer.status() == 405 && message.toLowerCase(java.util.Locale.ROOT).contains("conflict")) {
            return new MergeAttempt.Conflict(message);
        }
        if (answer.status() == 405 || answer.status() == 409) {
            return new MergeAttempt.NotYet(message);
        }
        throw new HostingException(answer.status(), "merge pull request #" + number + ": " + message, null);
    }

    private PullRequest pullRequest(JsonNode pr) {
        boolean merged = pr.path("merged").asBoolean(false);
        JsonNode mergedBy = pr.path("merged_by");
        return new PullRequest(
                pr.path("number").asInt(),
                text(pr, "html_url"),
                "open".equals(text(pr, "state")),
                merged,
                pr.path("head").path("sha").asText(null),
                merged ? text(pr, "merge_commit_sha") : null,
                mergedBy.isObject() ? mergedBy.path("login").asText(null) : null);
    }

    private static JsonNode expect(HostingHttp.Answer answer, String what) {
        if (!answer.ok()) {
            throw new HostingException(answer.status(), "GitHub could not " + what + ": " + answer.message(), null);
        }
        return answer.body() == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : answer.body();
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    static String join(String a, String b) {
        if (a == null || a.isBlank()) {
            return b;
        }
        return b == null || b.isBlank() ? a : a + ": " + b;
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
