package dev.forgeline.testsupport.gitlab;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.forgeline.testsupport.BareRepository;
import dev.forgeline.testsupport.GitHttpServer;

/**
 * A fake of the GitLab REST API v4 under {@code /api/v4} on 127.0.0.1, backed by the bare repositories a {@link
 * GitHttpServer} serves: project {@code group/name} (id {@code group%2Fname}, or the numeric {@code id} it answers
 * with) is the served repository of that name. Branches and commits are the served repository's own, so a merge
 * request's {@code sha} follows pushes and a merge is a real two-parent git merge that moves the served target
 * branch with compare-and-swap. Merge requests, labels, commit statuses, approvals, reviewers and notes live in
 * memory. Answers are shaped as GitLab's public API documentation describes them, with its status codes and
 * messages; faults (rate limits, 5xx, slow answers, a target branch that moves) are injected on demand, and every
 * request is recorded.
 */
public final class FakeGitLab implements AutoCloseable {
    private static final String PREFIX = "/api/v4/";
    private static final int RATE_LIMIT = 2000;
    private static final Set<String> STATUS_STATES =
            Set.of("pending", "running", "success", "failed", "canceled", "skipped");

    /** One request as the server saw it: method, path with query, status answered, and when it arrived. */
    public record Request(String method, String path, int status, Instant at) {}

    private final HttpServer server;
    private final ExecutorService executor;
    private final GitHttpServer git;
    private final Path repositoriesRoot;
    private final ObjectMapper json = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final Map<String, Project> projects = new HashMap<>();
    private final Map<Long, Project> projectsById = new HashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong(100);

    private final AtomicInteger rateLimitedLeft = new AtomicInteger();
    private volatile int retryAfterSeconds = 60;
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failureStatus = 502;
    private final AtomicInteger delaysLeft = new AtomicInteger();
    private volatile Duration delay = Duration.ZERO;
    private final AtomicInteger used = new AtomicInteger();

    private FakeGitLab(GitHttpServer git) throws IOException {
        this.git = git;
        this.repositoriesRoot = git.repositoriesDirectory().toAbsolutePath().normalize();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "fake-gitlab");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A fake on a free port of 127.0.0.1 over {@code git}'s repositories; {@code token} acts as {@code username}. */
    public static FakeGitLab start(GitHttpServer git, String token, String username) {
        try {
            return new FakeGitLab(git).addToken(token, username);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The API root clients are configured with: {@code http://127.0.0.1:<port>/api/v4} (no trailing slash). */
    public String apiUrl() {
        return webUrl() + "/api/v4";
    }

    private String webUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Requests with {@code token} ({@code PRIVATE-TOKEN} or {@code Authorization: Bearer}) act as {@code username}. */
    public FakeGitLab addToken(String token, String username) {
        tokens.put(token, username);
        return this;
    }

    // ---- project settings and people on the host -------------------------------------------------------------

    /**
     * The project's "Pipelines must succeed" setting ({@code only_allow_merge_if_pipeline_succeeds}): a merge request
     * merges only when its head has commit statuses and the latest of each name is {@code success} or {@code skipped}.
     */
    public synchronized void onlyAllowMergeIfPipelineSucceeds(String project, boolean value) {
        project(project).pipelineMustSucceed = value;
    }

    /** Merge requests of {@code project} merge only with {@code count} approvals (the MR author's never counts). */
    public synchronized void requireApprovals(String project, int count) {
        project(project).approvalsRequired = count;
    }

    /** {@code username} is asked to review merge request {@code iid} (its reviewer state is {@code unreviewed}). */
    public synchronized void addReviewer(String project, int iid, String username) {
        MergeRequest mr = mergeRequest(project(project), String.valueOf(iid));
        mr.reviewers.putIfAbsent(username, new Reviewer(username, "unreviewed", now()));
    }

    /**
     * {@code username} submits a review with "Request changes" and {@code comment}, as the web page does (the REST
     * API has no call for it): the comment becomes their note, their reviewer state {@code requested_changes}, and
     * an approval they had given is removed.
     */
    public synchronized void requestChanges(String project, int iid, String username, String comment) {
        Project p = project(project);
        MergeRequest mr = mergeRequest(p, String.valueOf(iid));
        if (comment != null && !comment.isBlank()) {
            addNote(mr, username, comment, false);
        }
        mr.reviewers.computeIfAbsent(username, u -> new Reviewer(u, "unreviewed", now())).state = "requested_changes";
        if (mr.approvals.remove(username) != null) {
            addNote(mr, username, "unapproved this merge request", true);
        }
        addNote(mr, username, "requested changes", true);
        mr.updatedAt = now();
    }

    /**
     * Someone else pushes to {@code branch}: a new commit writing {@code content} to {@code path} on top of it, as
     * another merged merge request does while a client waits. Returns the new head commit.
     */
    public synchronized String moveBase(String project, String branch, String path, String content) {
        BareRepository bare = project(project).bare;
        String old = bare.branch(branch).orElseThrow(() -> new IllegalArgumentException("no branch " + branch));
        String commit = bare.commitFile(old, path, content, "Update " + path);
        if (!bare.updateBranch(branch, commit, old)) {
            throw new IllegalStateException("branch " + branch + " of " + project + " moved during moveBase");
        }
        return commit;
    }

    // ---- faults ----------------------------------------------------------------------------------------------

    /**
     * The next {@code count} requests are rate limited as GitLab does: 429 "Retry later" with {@code Retry-After:
     * seconds}, {@code RateLimit-Remaining: 0} and {@code RateLimit-Reset} (epoch seconds of the end).
     */
    public void rateLimitNext(int count, int seconds) {
        retryAfterSeconds = seconds;
        rateLimitedLeft.set(count);
    }

    /** The next {@code count} requests answer {@code status} (e.g. 500, 502, 503) with GitLab's error body. */
    public void failNext(int count, int status) {
        failureStatus = status;
        failuresLeft.set(count);
    }

    /** The next {@code count} requests are answered only after {@code delay}. */
    public void delayNext(int count, Duration delay) {
        this.delay = delay;
        delaysLeft.set(count);
    }

    /** Every request so far, in order. */
    public List<Request> requests() {
        return Collections.unmodifiableList(new ArrayList<>(requests));
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- state -----------------------------------------------------------------------------------------------

    private static final class Project {
        final long id;
        final String path;
        final BareRepository bare;
        final Map<Integer, MergeRequest> mergeRequests = new LinkedHashMap<>();
        final Map<String, List<Map<String, Object>>> statuses = new HashMap<>();
        boolean pipelineMustSucceed;
        int approvalsRequired;
        int nextIid = 1;

        Project(long id, String path, BareRepository bare) {
            this.id = id;
            this.path = path;
            this.bare = bare;
        }
    }

    private static final class MergeRequest {
        long id;
        int iid;
        String title;
        String description;
        String source;
        String target;
        String author;
        String state = "opened";
        String mergeCommitSha;
        String mergedSha;
        String mergedBy;
        String mergedAt;
        String closedBy;
        String closedAt;
        String createdAt;
        String updatedAt;
        final Set<String> labels = new LinkedHashSet<>();
        final Map<String, String> approvals = new LinkedHashMap<>(); // username -> approved_at
        final Map<String, Reviewer> reviewers = new LinkedHashMap<>();
        final List<Map<String, Object>> notes = new ArrayList<>();
    }

    private static final class Reviewer {
        final String username;
        String state;
        final String createdAt;

        Reviewer(String username, String state, String createdAt) {
            this.username = username;
            this.state = state;
            this.createdAt = createdAt;
        }
    }

    private Project project(String path) {
        return projectState(path).orElseThrow(() -> new IllegalArgumentException("no served repository " + path));
    }

    private synchronized Optional<Project> projectState(String path) {
        Project known = projects.get(path);
        if (known != null) {
            return Optional.of(known);
        }
        if (path.matches("\\d+")) {
            return Optional.ofNullable(projectsById.get(Long.parseLong(path)));
        }
        Path dir = repositoriesRoot.resolve(path + ".git").normalize();
        if (!dir.startsWith(repositoriesRoot)) {
            return Optional.empty();
        }
        BareRepository bare = new BareRepository(dir, "GitLab", "gitlab@localhost");
        if (!bare.exists()) {
            return Optional.empty();
        }
        Project project = new Project(ids.incrementAndGet(), path, bare);
        projects.put(path, project);
        projectsById.put(project.id, project);
        return Optional.of(project);
    }

    // ---- serving ---------------------------------------------------------------------------------------------

    /** An answer: status, body (JSON, or a String sent as text; null for none), extra headers. */
    private record Answer(int status, Object body, Map<String, String> headers) {
        Answer(int status, Object body) {
            this(status, body, Map.of());
        }
    }

    private static final class Problem extends RuntimeException {
        final transient Answer answer;

        Problem(int status, Object message) {
            this(new Answer(status, message(message)));
        }

        Problem(Answer answer) {
            super(String.valueOf(answer.body), null, false, false);
            this.answer = answer;
        }
    }

    private static Map<String, Object> message(Object message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("message", message);
        return body;
    }

    /** GitLab's answer to a missing or invalid parameter: 400 {@code {"error": "title is missing"}}. */
    private static Problem badRequest(String error) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        return new Problem(new Answer(400, body));
    }

    private static Problem notFound(String what) {
        return new Problem(404, "404 " + what + " Not Found");
    }

    private void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String query = exchange.getRequestURI().getRawQuery();
        String line = exchange.getRequestURI().getRawPath() + (query == null ? "" : "?" + query);
        Instant arrived = Instant.now();
        Answer answer;
        try (exchange) {
            if (delaysLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                try {
                    Thread.sleep(delay.toMillis()); // the injected slowness itself, not a wait for something
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            try {
                answer = answer(exchange);
            } catch (RuntimeException e) {
                answer = new Answer(500, message("500 Internal Server Error: " + e.getMessage()));
            }
            // recorded before the answer leaves, so a client that has its answer also sees the record
            requests.add(new Request(method, line, answer.status, arrived));
            send(exchange, answer);
        }
    }

    private Answer answer(HttpExchange exchange) {
        if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return new Answer(failureStatus, message(failureStatus + " " + reason(failureStatus)));
        }
        String username = username(exchange);
        if (username == null) {
            return new Answer(401, message("401 Unauthorized"));
        }
        used.incrementAndGet();
        if (rateLimitedLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            Instant reset = Instant.now().plusSeconds(retryAfterSeconds);
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("RateLimit-Name", "throttle_authenticated_api");
            headers.put("RateLimit-Limit", String.valueOf(RATE_LIMIT));
            headers.put("RateLimit-Observed", String.valueOf(RATE_LIMIT + 1));
            headers.put("RateLimit-Remaining", "0");
            headers.put("RateLimit-Reset", String.valueOf(reset.getEpochSecond()));
            headers.put(
                    "RateLimit-ResetTime", DateTimeFormatter.RFC_1123_DATE_TIME.format(reset.atOffset(ZoneOffset.UTC)));
            headers.put("Retry-After", String.valueOf(retryAfterSeconds));
            return new Answer(429, "Retry later\n", headers);
        }
        try {
            String path = exchange.getRequestURI().getRawPath();
            if (!path.startsWith(PREFIX)) {
                throw new Problem(404, "404 Not Found");
            }
            ObjectNode params = params(exchange);
            synchronized (this) {
                return route(exchange.getRequestMethod(), path.substring(PREFIX.length()), params, username);
            }
        } catch (Problem problem) {
            return problem.answer;
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Error";
        };
    }

    private String username(HttpExchange exchange) {
        String privateToken = exchange.getRequestHeaders().getFirst("PRIVATE-TOKEN");
        if (privateToken != null) {
            return tokens.get(privateToken.strip());
        }
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return tokens.get(authorization.substring(7).strip());
        }
        return null;
    }

    /** Query parameters, then the body's (JSON or form-encoded), as GitLab takes them from either. */
    private ObjectNode params(HttpExchange exchange) {
        ObjectNode params = json.createObjectNode();
        decodeForm(exchange.getRequestURI().getRawQuery(), params);
        byte[] bytes;
        try {
            bytes = exchange.getRequestBody().readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (bytes.length == 0) {
            return params;
        }
        String type = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Content-Type"))
                .orElse("");
        if (type.startsWith("application/x-www-form-urlencoded")) {
            decodeForm(new String(bytes, StandardCharsets.UTF_8), params);
            return params;
        }
        try {
            JsonNode node = json.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw badRequest("The request body is not a JSON object");
            }
            params.setAll((ObjectNode) node);
            return params;
        } catch (IOException e) {
            throw badRequest("The request body is invalid JSON");
        }
    }

    private static void decodeForm(String raw, ObjectNode into) {
        if (raw == null || raw.isEmpty()) {
            return;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            into.put(key, value);
        }
    }

    private void send(HttpExchange exchange, Answer answer) throws IOException {
        var headers = exchange.getResponseHeaders();
        if (answer.status != 429) {
            headers.set("RateLimit-Limit", String.valueOf(RATE_LIMIT));
            headers.set("RateLimit-Observed", String.valueOf(used.get()));
            headers.set("RateLimit-Remaining", String.valueOf(Math.max(0, RATE_LIMIT - used.get())));
        }
        answer.headers.forEach(headers::set);
        if (answer.body == null) {
            exchange.sendResponseHeaders(answer.status, -1);
            return;
        }
        byte[] bytes;
        if (answer.body instanceof String text) {
            bytes = text.getBytes(StandardCharsets.UTF_8);
            headers.set("Content-Type", "text/plain; charset=utf-8");
        } else {
            bytes = json.writeValueAsBytes(answer.body);
            headers.set("Content-Type", "application/json");
        }
        exchange.sendResponseHeaders(answer.status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    // ---- routes ----------------------------------------------------------------------------------------------

    private Answer route(String method, String rawPath, ObjectNode params, String username) {
        // split before decoding: a project id or a branch name carries its slashes as %2F
        List<String> p = new ArrayList<>();
        for (String segment : rawPath.split("/")) {
            if (!segment.isEmpty()) {
                p.add(URLDecoder.decode(segment, StandardCharsets.UTF_8));
            }
        }
        if (p.size() < 2 || !p.get(0).equals("projects")) {
            throw new Problem(404, "404 Not Found");
        }
        Project project = projectState(p.get(1)).orElseThrow(() -> notFound("Project"));
        List<String> rest = p.subList(2, p.size());
        String route = method + " " + shape(rest);
        return switch (route) {
            case "GET " -> new Answer(200, projectJson(project));
            case "POST merge_requests" -> createMergeRequest(project, params, username);
            case "GET merge_requests" -> new Answer(200, listMergeRequests(project, params));
            case "GET merge_requests/*" ->
                new Answer(200, mergeRequestJson(project, mergeRequest(project, rest.get(1))));
            case "PUT merge_requests/*" ->
                updateMergeRequest(project, mergeRequest(project, rest.get(1)), params, username);
            case "PUT merge_requests/*/merge" -> merge(project, mergeRequest(project, rest.get(1)), params, username);
            case "POST merge_requests/*/approve" ->
                approve(project, mergeRequest(project, rest.get(1)), params, username);
            case "POST merge_requests/*/unapprove" -> unapprove(project, mergeRequest(project, rest.get(1)), username);
            case "GET merge_requests/*/approvals" ->
                new Answer(200, approvalsJson(project, mergeRequest(project, rest.get(1))));
            case "GET merge_requests/*/reviewers" -> new Answer(200, reviewersJson(mergeRequest(project, rest.get(1))));
            case "GET merge_requests/*/notes" -> new Answer(200, notesJson(mergeRequest(project, rest.get(1)), params));
            case "POST merge_requests/*/notes" -> createNote(mergeRequest(project, rest.get(1)), params, username);
            case "POST statuses/*" -> createStatus(project, rest.get(1), params, username);
            case "GET repository/commits/*/statuses" -> new Answer(200, statusesJson(project, rest.get(2), params));
            case "GET repository/branches/*" -> new Answer(200, branchJson(project, rest.get(2)));
            default -> throw new Problem(404, "404 Not Found");
        };
    }

    /** {@code merge_requests/7/merge} -> {@code merge_requests/x/merge}; {@code repository/} names stay. */
    private static String shape(List<String> rest) {
        List<String> shape = new ArrayList<>();
        int offset = !rest.isEmpty() && rest.get(0).equals("repository") ? 1 : 0;
        for (int i = 0; i < rest.size(); i++) {
            shape.add(i < offset || (i - offset) % 2 == 0 ? rest.get(i) : "*");
        }
        return String.join("/", shape);
    }

    private MergeRequest mergeRequest(Project project, String iid) {
        try {
            MergeRequest mr = project.mergeRequests.get(Integer.parseInt(iid));
            if (mr != null) {
                return mr;
            }
        } catch (NumberFormatException e) {
            // not a number: not found, as GitLab answers
        }
        throw notFound("Not");
    }

    private static String text(JsonNode params, String field) {
        JsonNode node = params.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }

    private Map<String, Object> user(String username) {
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("id", userId(username));
        user.put("username", username);
        user.put("name", username);
        user.put("state", "active");
        user.put("web_url", webUrl() + "/" + username);
        return user;
    }

    private static long userId(String username) {
        return Math.abs((long) username.hashCode()) % 1_000_000 + 1;
    }

    private Map<String, Object> projectJson(Project project) {
        Map<String, Object> json = new LinkedHashMap<>();
        int slash = project.path.lastIndexOf('/');
        json.put("id", project.id);
        json.put("name", project.path.substring(slash + 1));
        json.put("path", project.path.substring(slash + 1));
        json.put("path_with_namespace", project.path);
        json.put("namespace", Map.of("full_path", slash < 0 ? "" : project.path.substring(0, slash)));
        json.put("default_branch", "main");
        json.put("visibility", "private");
        json.put("web_url", webUrl() + "/" + project.path);
        json.put("http_url_to_repo", git.url(project.path));
        json.put("merge_method", "merge");
        json.put("only_allow_merge_if_pipeline_succeeds", project.pipelineMustSucceed);
        json.put("approvals_before_merge", project.approvalsRequired);
        return json;
    }

    private Map<String, Object> branchJson(Project project, String branch) {
        String sha = project.bare.branch(branch).orElseThrow(() -> notFound("Branch"));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", branch);
        json.put("commit", Map.of("id", sha));
        json.put("merged", false);
        json.put("protected", false);
        json.put("default", branch.equals("main"));
        json.put("web_url", webUrl() + "/" + project.path + "/-/tree/" + branch);
        return json;
    }

    // ---- merge requests --------------------------------------------------------------------------------------

    private Answer createMergeRequest(Project project, JsonNode params, String username) {
        List<String> missing = new ArrayList<>();
        for (String field : List.of("source_branch", "target_branch", "title")) {
            String value = text(params, field);
            if (value == null || value.isBlank()) {
                missing.add(field + " is missing");
            }
        }
        if (!missing.isEmpty()) {
            throw badRequest(String.join(", ", missing));
        }
        String source = text(params, "source_branch");
        String target = text(params, "target_branch");
        List<String> errors = new ArrayList<>();
        if (project.bare.branch(source).isEmpty()) {
            errors.add("Source branch \"" + source + "\" does not exist");
        }
        if (project.bare.branch(target).isEmpty()) {
            errors.add("Target branch \"" + target + "\" does not exist");
        }
        if (source.equals(target)) {
            errors.add("You can't use same project/branch for source and target");
        }
        if (!errors.isEmpty()) {
            throw new Problem(422, errors);
        }
        for (MergeRequest open : project.mergeRequests.values()) {
            if (open.state.equals("opened") && open.source.equals(source)) {
                throw new Problem(
                        409, List.of("Another open merge request already exists for this source branch: !" + open.iid));
            }
        }
        MergeRequest mr = new MergeRequest();
        mr.id = ids.incrementAndGet();
        mr.iid = project.nextIid++;
        mr.title = text(params, "title");
        mr.description = text(params, "description");
        mr.source = source;
        mr.target = target;
        mr.author = username;
        mr.createdAt = now();
        mr.updatedAt = mr.createdAt;
        mr.labels.addAll(labels(text(params, "labels")));
        project.mergeRequests.put(mr.iid, mr);
        return new Answer(201, mergeRequestJson(project, mr));
    }

    private static List<String> labels(String commaSeparated) {
        if (commaSeparated == null || commaSeparated.isBlank()) {
            return List.of();
        }
        return Arrays.stream(commaSeparated.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private Answer updateMergeRequest(Project project, MergeRequest mr, JsonNode params, String username) {
        String event = text(params, "state_event");
        if (event != null && !event.equals("close") && !event.equals("reopen")) {
            throw badRequest("state_event does not have a valid value");
        }
        if (text(params, "title") != null) {
            mr.title = text(params, "title");
        }
        if (params.has("description")) {
            mr.description = text(params, "description");
        }
        if (params.has("labels")) {
            mr.labels.clear();
            mr.labels.addAll(labels(text(params, "labels")));
        }
        mr.labels.addAll(labels(text(params, "add_labels")));
        labels(text(params, "remove_labels")).forEach(mr.labels::remove);
        if ("close".equals(event) && mr.state.equals("opened")) {
            mr.state = "closed";
            mr.closedBy = username;
            mr.closedAt = now();
            addNote(mr, username, "closed", true);
        } else if ("reopen".equals(event) && mr.state.equals("closed")) {
            for (MergeRequest other : project.mergeRequests.values()) {
                if (other.state.equals("opened") && other.source.equals(mr.source)) {
                    throw new Problem(
                            409,
                            List.of("Another open merge request already exists for this source branch: !" + other.iid));
                }
            }
            mr.state = "opened";
            mr.closedBy = null;
            mr.closedAt = null;
            addNote(mr, username, "reopened", true);
        }
        mr.updatedAt = now();
        return new Answer(200, mergeRequestJson(project, mr));
    }

    private List<Map<String, Object>> listMergeRequests(Project project, JsonNode params) {
        String state = Optional.ofNullable(text(params, "state")).orElse("all");
        String source = text(params, "source_branch");
        String target = text(params, "target_branch");
        List<String> labels = labels(text(params, "labels"));
        List<MergeRequest> newestFirst = new ArrayList<>(project.mergeRequests.values());
        Collections.reverse(newestFirst);
        List<Map<String, Object>> list = new ArrayList<>();
        for (MergeRequest mr : newestFirst) {
            if (!state.equals("all") && !mr.state.equals(state)) {
                continue;
            }
            if ((source != null && !source.equals(mr.source))
                    || (target != null && !target.equals(mr.target))
                    || !mr.labels.containsAll(labels)) {
                continue;
            }
            list.add(mergeRequestJson(project, mr));
        }
        return list;
    }

    private String headSha(Project project, MergeRequest mr) {
        return mr.state.equals("merged")
                ? mr.mergedSha
                : project.bare.branch(mr.source).orElse(null);
    }

    /** Why an open merge request cannot merge now, as GitLab's {@code detailed_merge_status} names it. */
    private String detailedMergeStatus(Project project, MergeRequest mr) {
        if (!mr.state.equals("opened")) {
            return "not_open";
        }
        if (draft(mr)) {
            return "draft_status";
        }
        String head = headSha(project, mr);
        String base = project.bare.branch(mr.target).orElse(null);
        if (head == null || base == null) {
            return "broken_status";
        }
        if (project.bare.mergeTree(base, head).isEmpty()) {
            return "conflict";
        }
        if (project.pipelineMustSucceed) {
            String pipeline = pipelineStatus(project, head);
            if (pipeline == null || !pipeline.equals("success")) {
                return pipeline != null && (pipeline.equals("running") || pipeline.equals("pending"))
                        ? "ci_still_running"
                        : "ci_must_pass";
            }
        }
        if (approvalsLeft(project, mr) > 0) {
            return "not_approved";
        }
        return "mergeable";
    }

    private static boolean draft(MergeRequest mr) {
        String title = mr.title.toLowerCase(java.util.Locale.ROOT);
        return title.startsWith("draft:") || title.startsWith("[draft]") || title.startsWith("(draft)");
    }

    /**
     * The status of the head's pipeline of external statuses: null without any, else failed or canceled when one
     * of the latest per name is, running or pending while one still is, success when all are success or skipped.
     */
    private static String pipelineStatus(Project project, String sha) {
        Map<String, Map<String, Object>> latest = latestStatuses(project, sha);
        if (latest.isEmpty()) {
            return null;
        }
        String result = "success";
        for (Map<String, Object> status : latest.values()) {
            String s = (String) status.get("status");
            if (s.equals("failed") || s.equals("canceled")) {
                return s;
            }
            if (s.equals("running") || s.equals("pending")) {
                result = "running";
            }
        }
        return result;
    }

    private Map<String, Object> mergeRequestJson(Project project, MergeRequest mr) {
        String head = headSha(project, mr);
        String base = project.bare.branch(mr.target).orElse(null);
        String detailed = detailedMergeStatus(project, mr);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", mr.id);
        json.put("iid", mr.iid);
        json.put("project_id", project.id);
        json.put("title", mr.title);
        json.put("description", mr.description);
        json.put("state", mr.state);
        json.put("created_at", mr.createdAt);
        json.put("updated_at", mr.updatedAt);
        json.put("merged_by", mr.mergedBy == null ? null : user(mr.mergedBy));
        json.put("merge_user", mr.mergedBy == null ? null : user(mr.mergedBy));
        json.put("merged_at", mr.mergedAt);
        json.put("closed_by", mr.closedBy == null ? null : user(mr.closedBy));
        json.put("closed_at", mr.closedAt);
        json.put("target_branch", mr.target);
        json.put("source_branch", mr.source);
        json.put("source_project_id", project.id);
        json.put("target_project_id", project.id);
        json.put("author", user(mr.author));
        json.put("reviewers", mr.reviewers.keySet().stream().map(this::user).toList());
        json.put("labels", new ArrayList<>(mr.labels));
        json.put("draft", draft(mr));
        json.put("work_in_progress", draft(mr));
        boolean conflict = detailed.equals("conflict");
        json.put("merge_status", conflict ? "cannot_be_merged" : "can_be_merged");
        json.put("detailed_merge_status", detailed);
        json.put("has_conflicts", conflict);
        json.put("sha", head);
        json.put("merge_commit_sha", mr.mergeCommitSha);
        json.put("squash_commit_sha", null);
        json.put(
                "user_notes_count",
                mr.notes.stream().filter(n -> !(Boolean) n.get("system")).count());
        json.put("references", Map.of("short", "!" + mr.iid, "full", project.path + "!" + mr.iid));
        json.put("web_url", webUrl() + "/" + project.path + "/-/merge_requests/" + mr.iid);
        Map<String, Object> diffRefs = new LinkedHashMap<>();
        diffRefs.put("base_sha", base);
        diffRefs.put("head_sha", head);
        diffRefs.put("start_sha", base);
        json.put("diff_refs", diffRefs);
        return json;
    }

    // ---- merging ---------------------------------------------------------------------------------------------

    private Answer merge(Project project, MergeRequest mr, JsonNode params, String username) {
        // GitLab's order: not mergeable now -> 405; the merge itself impossible -> 422; a stale sha -> 409
        if (!detailedMergeStatus(project, mr).equals("mergeable")) {
            throw new Problem(405, "405 Method Not Allowed");
        }
        String head = headSha(project, mr);
        String base = project.bare.branch(mr.target).orElseThrow();
        Optional<String> tree = project.bare.mergeTree(base, head);
        if (tree.isEmpty()) {
            throw new Problem(422, "Branch cannot be merged");
        }
        String expected = text(params, "sha");
        if (expected != null && !expected.equals(head)) {
            throw new Problem(409, "SHA does not match HEAD of source branch: " + head);
        }
        String message = Optional.ofNullable(text(params, "merge_commit_message"))
                .orElse("Merge branch '" + mr.source + "' into '" + mr.target + "'\n\n" + mr.title
                        + "\n\nSee merge request " + project.path + "!" + mr.iid);
        String commit = project.bare.commit(
                tree.get(), List.of(base, head), message + "\n", username, username + "@users.noreply.gitlab.local");
        if (!project.bare.updateBranch(mr.target, commit, base)) {
            throw new Problem(422, "Branch cannot be merged");
        }
        mr.state = "merged";
        mr.mergedSha = head;
        mr.mergeCommitSha = commit;
        mr.mergedBy = username;
        mr.mergedAt = now();
        mr.updatedAt = mr.mergedAt;
        addNote(mr, username, "merged", true);
        return new Answer(200, mergeRequestJson(project, mr));
    }

    // ---- approvals, reviewers, notes -------------------------------------------------------------------------

    private static int approvalsLeft(Project project, MergeRequest mr) {
        return Math.max(0, project.approvalsRequired - mr.approvals.size());
    }

    private Answer approve(Project project, MergeRequest mr, JsonNode params, String username) {
        // the author may not approve their own merge request, nor anyone twice (GitLab's defaults): 401
        if (!mr.state.equals("opened") || username.equals(mr.author) || mr.approvals.containsKey(username)) {
            throw new Problem(401, "401 Unauthorized");
        }
        String sha = text(params, "sha");
        String head = headSha(project, mr);
        if (sha != null && !sha.equals(head)) {
            throw new Problem(409, "SHA does not match HEAD of source branch: " + head);
        }
        mr.approvals.put(username, now());
        Reviewer reviewer = mr.reviewers.get(username);
        if (reviewer != null) {
            reviewer.state = "approved";
        }
        addNote(mr, username, "approved this merge request", true);
        mr.updatedAt = now();
        return new Answer(201, approvalsJson(project, mr));
    }

    private Answer unapprove(Project project, MergeRequest mr, String username) {
        if (mr.approvals.remove(username) == null) {
            throw notFound("Not");
        }
        Reviewer reviewer = mr.reviewers.get(username);
        if (reviewer != null) {
            reviewer.state = "unapproved";
        }
        addNote(mr, username, "unapproved this merge request", true);
        return new Answer(201, approvalsJson(project, mr));
    }

    private Map<String, Object> approvalsJson(Project project, MergeRequest mr) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", mr.id);
        json.put("iid", mr.iid);
        json.put("project_id", project.id);
        json.put("title", mr.title);
        json.put("description", mr.description);
        json.put("state", mr.state);
        json.put("created_at", mr.createdAt);
        json.put("updated_at", mr.updatedAt);
        json.put("merge_status", "can_be_merged");
        json.put(
                "approved",
                approvalsLeft(project, mr) == 0 && (project.approvalsRequired > 0 || !mr.approvals.isEmpty()));
        json.put("approvals_required", project.approvalsRequired);
        json.put("approvals_left", approvalsLeft(project, mr));
        List<Map<String, Object>> approvedBy = new ArrayList<>();
        mr.approvals.forEach((username, at) -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("user", user(username));
            entry.put("approved_at", at);
            approvedBy.add(entry);
        });
        json.put("approved_by", approvedBy);
        return json;
    }

    private List<Map<String, Object>> reviewersJson(MergeRequest mr) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Reviewer reviewer : mr.reviewers.values()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("user", user(reviewer.username));
            entry.put("state", reviewer.state);
            entry.put("created_at", reviewer.createdAt);
            list.add(entry);
        }
        return list;
    }

    private void addNote(MergeRequest mr, String username, String body, boolean system) {
        Map<String, Object> note = new LinkedHashMap<>();
        note.put("id", ids.incrementAndGet());
        note.put("type", null);
        note.put("body", body);
        note.put("author", user(username));
        note.put("created_at", now());
        note.put("updated_at", note.get("created_at"));
        note.put("system", system);
        note.put("noteable_id", mr.id);
        note.put("noteable_type", "MergeRequest");
        note.put("noteable_iid", mr.iid);
        note.put("resolvable", false);
        note.put("confidential", false);
        note.put("internal", false);
        mr.notes.add(note);
    }

    private Answer createNote(MergeRequest mr, JsonNode params, String username) {
        String body = text(params, "body");
        if (body == null || body.isBlank()) {
            throw badRequest("body is missing");
        }
        addNote(mr, username, body, false);
        mr.updatedAt = now();
        return new Answer(201, mr.notes.get(mr.notes.size() - 1));
    }

    /** Notes, newest first by default ({@code sort=desc}, as GitLab lists them); {@code sort=asc} oldest first. */
    private static List<Map<String, Object>> notesJson(MergeRequest mr, JsonNode params) {
        List<Map<String, Object>> list = new ArrayList<>(mr.notes);
        String sort = Optional.ofNullable(text(params, "sort")).orElse("desc");
        if (!sort.equals("asc") && !sort.equals("desc")) {
            throw badRequest("sort does not have a valid value");
        }
        if (sort.equals("desc")) {
            Collections.reverse(list);
        }
        return list;
    }

    // ---- commit statuses -------------------------------------------------------------------------------------

    private Answer createStatus(Project project, String sha, JsonNode params, String username) {
        String state = text(params, "state");
        if (state == null) {
            throw badRequest("state is missing");
        }
        if (!STATUS_STATES.contains(state)) {
            throw badRequest("state does not have a valid value");
        }
        String full = project.bare.resolve(sha).filter(s -> s.equals(sha)).orElseThrow(() -> notFound("Commit"));
        String name = Optional.ofNullable(text(params, "name"))
                .or(() -> Optional.ofNullable(text(params, "context")))
                .orElse("default");
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("id", ids.incrementAndGet());
        status.put("sha", full);
        status.put("ref", Optional.ofNullable(text(params, "ref")).orElse(null));
        status.put("status", state);
        status.put("name", name);
        status.put("target_url", text(params, "target_url"));
        status.put("description", text(params, "description"));
        status.put("created_at", now());
        boolean finished = !state.equals("pending") && !state.equals("running");
        status.put("started_at", state.equals("pending") ? null : status.get("created_at"));
        status.put("finished_at", finished ? status.get("created_at") : null);
        status.put("allow_failure", false);
        status.put("coverage", null);
        status.put("author", user(username));
        project.statuses.computeIfAbsent(full, k -> new ArrayList<>()).add(status);
        return new Answer(201, status);
    }

    private static Map<String, Map<String, Object>> latestStatuses(Project project, String sha) {
        Map<String, Map<String, Object>> latest = new LinkedHashMap<>();
        for (Map<String, Object> status : project.statuses.getOrDefault(sha, List.of())) {
            latest.remove(status.get("name"));
            latest.put((String) status.get("name"), status);
        }
        return latest;
    }

    /** The statuses of {@code sha}: the latest of each name, or every one with {@code all=true}; newest first. */
    private List<Map<String, Object>> statusesJson(Project project, String ref, JsonNode params) {
        String sha = project.bare.resolve(ref).orElseThrow(() -> notFound("Commit"));
        List<Map<String, Object>> list = "true".equals(text(params, "all"))
                ? new ArrayList<>(project.statuses.getOrDefault(sha, List.of()))
                : new ArrayList<>(latestStatuses(project, sha).values());
        String name = text(params, "name");
        if (name != null) {
            list.removeIf(s -> !name.equals(s.get("name")));
        }
        Collections.reverse(list);
        return list;
    }
}
