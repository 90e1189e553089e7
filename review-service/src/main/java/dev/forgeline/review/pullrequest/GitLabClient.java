package dev.forgeline.review.pullrequest;

import static dev.forgeline.review.pullrequest.GitHubClient.encode;
import static dev.forgeline.review.pullrequest.GitHubClient.join;
import static dev.forgeline.review.pullrequest.GitHubClient.text;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

/**
 * Merge requests on GitLab through its REST API v4 ({@code https://gitlab.com/api/v4}, or a self-managed
 * instance's {@code https://host/api/v4}); the project is addressed by its URL-encoded path.
 *
 * <p>GitLab (CE) has no per-branch list of required checks: the checks are the commit statuses of the head
 * commit (the latest of each name), and when the project only merges once the pipeline succeeds ({@code
 * only_allow_merge_if_pipeline_succeeds}) a head without any status waits for one ("pipeline", expected). Reviews
 * are approvals (approved) and reviewers whose state is {@code requested_changes} (changes requested, with that
 * person's own notes as the comments); the merge request's author never counts.
 */
final class GitLabClient implements HostingClient {
    /** The check a merge request waits for while its project requires a pipeline and its head has none. */
    static final String PIPELINE = "pipeline";

    private static final Set<String> MERGE_BLOCKED_NOW = Set.of(
            "ci_must_pass",
            "ci_still_running",
            "not_approved",
            "checking",
            "unchecked",
            "preparing",
            "discussions_not_resolved",
            "draft_status",
            "blocked_status",
            "external_status_checks",
            "jira_association_missing",
            "requested_changes",
            "commits_status",
            "locked_paths",
            "locked_lfs_files",
            "security_policy_violations",
            "merge_request_blocked",
            "title_regex",
            "need_rebase");

    private final HostingHttp http;
    private final String project;

    GitLabClient(HostingHttp http, String projectPath) {
        this.http = http;
        this.project = "/projects/" + encode(projectPath);
    }

    @Override
    public String kind() {
        return "gitlab";
    }

    @Override
    public PullRequest open(String head, String base, String title, String body, List<String> labels) {
        JsonNode existing = existing(head, base);
        if (existing == null) {
            Map<String, Object> request = new LinkedHashMap<>();
            request.put("source_branch", head);
            request.put("target_branch", base);
            request.put("title", title);
            request.put("description", body);
            request.put("labels", String.join(",", labels));
            HostingHttp.Answer answer = http.send("POST", project + "/merge_requests", request);
            if (answer.status() == 409) {
                // an earlier try opened it and its answer was lost
                existing = existing(head, base);
                if (existing == null) {
                    throw new HostingException(
                            409, "GitLab says a merge request from " + head + " is open but lists none", null);
                }
            } else {
                return mergeRequest(expect(answer, "open a merge request from " + head + " into " + base));
            }
        }
        if (!labels.isEmpty() && !labelsOf(existing).containsAll(labels)) {
            existing = expect(
                    http.send(
                            "PUT",
                            project + "/merge_requests/" + existing.path("iid").asInt(),
                            Map.of("add_labels", String.join(",", labels))),
                    "label merge request !" + existing.path("iid").asInt());
        }
        return mergeRequest(existing);
    }

    private JsonNode existing(String head, String base) {
        JsonNode list = expect(
                http.get(project + "/merge_requests?state=opened&source_branch=" + encode(head) + "&target_branch="
                        + encode(base)),
                "list merge requests");
        return list.isArray() && !list.isEmpty() ? list.get(0) : null;
    }

    private static List<String> labelsOf(JsonNode mr) {
        List<String> labels = new ArrayList<>();
        mr.path("labels").forEach(l -> labels.add(l.isObject() ? text(l, "name") : l.asText()));
        return labels;
    }

    @Override
    public PullRequest get(int number) {
        return mergeRequest(read(number));
    }

    private JsonNode read(int number) {
        return expect(http.get(project + "/merge_requests/" + number), "read merge request !" + number);
    }

    @Override
    public void close(int number, String reason) {
        String description = text(read(number), "description");
        Map<String, Object> change = new LinkedHashMap<>();
        change.put("state_event", "close");
        change.put(
                "description",
                (description == null || description.isBlank() ? "" : description + "\n\n") + "**Closed by Forgeline:** "
                        + reason);
        expect(http.send("PUT", project + "/merge_requests/" + number, change), "close merge request !" + number);
    }

    @Override
    public List<CheckResult> checks(String base, String headSha) {
        JsonNode statuses = expect(
                http.get(project + "/repository/commits/" + headSha + "/statuses"),
                "read the commit statuses of " + headSha);
        // newest first; the first of each name is its current state
        Map<String, CheckResult> latest = new LinkedHashMap<>();
        for (JsonNode status : statuses) {
            String name = text(status, "name");
            if (name == null || latest.containsKey(name)) {
                continue;
            }
            String state = text(status, "status");
            latest.put(
                    name,
                    new CheckResult(
                            name,
                            switch (state == null ? "" : state) {
                                case "success", "skipped" -> CheckResult.State.SUCCESS;
                                case "failed", "canceled" -> CheckResult.State.FAILURE;
                                default -> CheckResult.State.PENDING;
                            },
                            join(state, text(status, "description")),
                            text(status, "target_url")));
        }
        if (latest.isEmpty() && pipelineMustSucceed()) {
            return List.of(new CheckResult(
                    PIPELINE,
                    CheckResult.State.EXPECTED,
                    "the project merges only once a pipeline succeeds; none reported yet",
                    null));
        }
        return List.copyOf(latest.values());
    }

    private boolean pipelineMustSucceed() {
        return expect(http.get(project), "read the project")
                .path("only_allow_merge_if_pipeline_succeeds")
                .asBoolean(false);
    }

    @Override
    public List<PullRequestReview> reviews(int number) {
        String author = read(number).path("author").path("username").asText(null);
        JsonNode approvals = expect(
                http.get(project + "/merge_requests/" + number + "/approvals"), "read the approvals of !" + number);
        JsonNode reviewers = expect(
                http.get(project + "/merge_requests/" + number + "/reviewers"), "read the reviewers of !" + number);
        List<PullRequestReview> result = new ArrayList<>();
        for (JsonNode approval : approvals.path("approved_by")) {
            String username = approval.path("user").path("username").asText(null);
            if (username == null || username.equals(author)) {
                continue;
            }
            String at = text(approval, "approved_at");
            // older GitLab versions do not say when: the approval stands now
            result.add(new PullRequestReview(
                    username,
                    PullRequestReview.Verdict.APPROVED,
                    null,
                    List.of(),
                    at == null ? Instant.now() : Instant.parse(at)));
        }
        JsonNode notes = null;
        for (JsonNode reviewer : reviewers) {
            String username = reviewer.path("user").path("username").asText(null);
            if (!"requested_changes".equals(text(reviewer, "state")) || username == null || username.equals(author)) {
                continue;
            }
            if (notes == null) {
                notes = expect(
                        http.get(project + "/merge_requests/" + number + "/notes?sort=asc&per_page=100"),
                        "read the notes of !" + number);
            }
            List<String> comments = new ArrayList<>();
            Instant last = null;
            for (JsonNode note : notes) {
                if (note.path("system").asBoolean(false)
                        || !username.equals(note.path("author").path("username").asText(null))) {
                    continue;
                }
                JsonNode position = note.path("position");
                String path = text(position, "new_path");
                JsonNode line = position.path("new_line");
                comments.add(
                        path == null
                                ? text(note, "body")
                                : path + (line.isNumber() ? ":" + line.asInt() : "") + ": " + text(note, "body"));
                String created = text(note, "created_at");
                if (created != null) {
                    last = Instant.parse(created);
                }
            }
            // GitLab does not say when changes were requested; the state stands now
            result.add(new PullRequestReview(
                    username,
                    PullRequestReview.Verdict.CHANGES_REQUESTED,
                    null,
                    comments,
                    last == null ? Instant.now() : max(last, Instant.now())));
        }
        return result;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    @Override
    public MergeAttempt merge(int number, String headSha, String title) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("sha", headSha);
        request.put("merge_commit_message", title);
        HostingHttp.Answer answer = http.send("PUT", project + "/merge_requests/" + number + "/merge", request);
        if (answer.ok() && answer.body() != null && "merged".equals(text(answer.body(), "state"))) {
            return new MergeAttempt.Merged(text(answer.body(), "merge_commit_sha"));
        }
        if (answer.ok()) {
            // accepted but not merged yet (GitLab merges in the background): read it at the next sync
            return new MergeAttempt.NotYet("GitLab accepted the merge and has not finished it yet");
        }
        if (answer.status() == 409) {
            return new MergeAttempt.NotYet(answer.message());
        }
        if (answer.status() == 405 || answer.status() == 406 || answer.status() == 422) {
            // GitLab's answer does not say why: its detailed merge status does
            JsonNode mr = read(number);
            String status = String.valueOf(text(mr, "detailed_merge_status"));
            if ("conflict".equals(status) || mr.path("has_conflicts").asBoolean(false)) {
                return new MergeAttempt.Conflict("GitLab reports a conflict (" + answer.message() + ")");
            }
            if (MERGE_BLOCKED_NOW.contains(status) || answer.status() != 405 || "mergeable".equals(status)) {
                return new MergeAttempt.NotYet(answer.message() + " (detailed merge status: " + status + ")");
            }
            throw new HostingException(
                    answer.status(),
                    "GitLab does not merge merge request !" + number + ": " + answer.message()
                            + " (detailed merge status: " + status + ")",
                    null);
        }
        throw new HostingException(
                answer.status(), "GitLab could not merge merge request !" + number + ": " + answer.message(), null);
    }

    private static PullRequest mergeRequest(JsonNode mr) {
        String state = text(mr, "state");
        boolean merged = "merged".equals(state);
        JsonNode mergedBy = mr.path("merge_user").isObject() ? mr.path("merge_user") : mr.path("merged_by");
        return new PullRequest(
                mr.path("iid").asInt(),
                text(mr, "web_url"),
                "opened".equals(state) || "locked".equals(state),
                merged,
                text(mr, "sha"),
                merged ? text(mr, "merge_commit_sha") : null,
                merged && mergedBy.isObject() ? mergedBy.path("username").asText(null) : null);
    }

    private static JsonNode expect(HostingHttp.Answer answer, String what) {
        if (!answer.ok()) {
            throw new HostingException(answer.status(), "GitLab could not " + what + ": " + answer.message(), null);
        }
        return answer.body() == null ? NullNode.getInstance() : answer.body();
    }
}
