package dev.forgeline.testsupport.github;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.forgeline.testsupport.BareRepository;
import dev.forgeline.testsupport.GitHttpServer;

/**
 * A fake of the GitHub REST API v3 on 127.0.0.1, backed by the bare repositories a {@link GitHttpServer} serves:
 * repository {@code owner/name} is the served repository of the same name (or the one given to {@link
 * #mapRepository}). Branches and commits are the served repository's own, so a pull request's head follows pushes
 * and a merge is a real git merge that moves the served base branch. Pull requests, labels, commit statuses, check
 * runs, reviews and branch protection's required checks live in memory. Answers are shaped as GitHub's public REST
 * documentation describes them, with its status codes and messages; faults (rate limits, 5xx, slow answers, a base
 * branch that moves) are injected on demand, and every request is recorded.
 */
public final class FakeGitHub implements AutoCloseable {
    private static final String DOCS = "https://docs.github.com/rest";
    private static final int RATE_LIMIT = 5000;

    /** One request as the server saw it: method, path with query, status answered, and when it arrived. */
    public record Request(String method, String path, int status, Instant at) {
        /** A request as expected by a test, whenever it arrives. */
        public Request(String method, String path, int status) {
            this(method, path, status, null);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final GitHttpServer git;
    private final Path repositoriesRoot;
    private final ObjectMapper json = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final Map<String, String> servedNames = new ConcurrentHashMap<>();
    private final Map<String, RepoState> repos = new HashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong(1000);

    private final AtomicInteger rateLimitedLeft = new AtomicInteger();
    private final AtomicInteger secondaryLimitedLeft = new AtomicInteger();
    private volatile int retryAfterSeconds = 60;
    private volatile int secondaryStatus = 429;
    private final AtomicInteger mergeabilityUnknownLeft = new AtomicInteger();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failureStatus = 502;
    private final AtomicInteger delaysLeft = new AtomicInteger();
    private volatile Duration delay = Duration.ZERO;
    private final AtomicInteger used = new AtomicInteger();
    private final long resetEpochSecond =
            Instant.now().plus(Duration.ofHours(1)).getEpochSecond();

    private FakeGitHub(GitHttpServer git) throws IOException {
        this.git = git;
        this.repositoriesRoot = repositoriesDirectory(git);
        // the API is served from the git server's host, as github.com serves both
        this.server = HttpServer.create(new InetSocketAddress(git.address(), 0), 0);
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "fake-github");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * A fake on a free port of the address {@code git} listens on (127.0.0.1 by default) over {@code git}'s
     * repositories; {@code token} acts as user {@code login}.
     */
    public static FakeGitHub start(GitHttpServer git, String token, String login) {
        try {
            return new FakeGitHub(git).addToken(token, login);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The API root clients are configured with, e.g. {@code http://127.0.0.1:41234} (no trailing slash). */
    public String apiUrl() {
        return "http://" + git.host() + ":" + server.getAddress().getPort();
    }

    /** Requests with {@code token} (as {@code Bearer} or {@code token}) act as user {@code login}. */
    public FakeGitHub addToken(String token, String login) {
        tokens.put(token, login);
        return this;
    }

    /** Repository {@code fullName} ({@code owner/name}) is the served repository {@code servedName}. */
    public FakeGitHub mapRepository(String fullName, String servedName) {
        servedNames.put(fullName, servedName);
        return this;
    }

    // ---- branch protection -----------------------------------------------------------------------------------

    /** Pull requests into {@code branch} merge only once every context has a green status or check run. */
    public synchronized void requireChecks(String repo, String branch, String... contexts) {
        protection(repo, branch).contexts = new ArrayList<>(Arrays.asList(contexts));
    }

    /** Pull requests into {@code branch} merge only when their head contains the base branch ("strict"). */
    public synchronized void requireUpToDate(String repo, String branch) {
        protection(repo, branch).strict = true;
    }

    /** Pull requests into {@code branch} merge only with {@code count} approvals and no changes requested. */
    public synchronized void requireApprovals(String repo, String branch, int count) {
        protection(repo, branch).approvals = count;
    }

    /**
     * Someone else pushes to {@code branch}: a new commit writing {@code content} to {@code path} on top of it, as
     * a merged pull request does while a client waits. Returns the new head commit.
     */
    public synchronized String moveBase(String repo, String branch, String path, String content) {
        BareRepository bare = repository(repo).orElseThrow(() -> new IllegalArgumentException("no repository " + repo));
        String old = bare.branch(branch).orElseThrow(() -> new IllegalArgumentException("no branch " + branch));
        String commit = bare.commitFile(old, path, content, "Update " + path);
        if (!bare.updateBranch(branch, commit, old)) {
            throw new IllegalStateException("branch " + branch + " of " + repo + " moved during moveBase");
        }
        return commit;
    }

    // ---- faults ----------------------------------------------------------------------------------------------

    /** The next {@code count} requests exhaust the primary rate limit: 403, {@code x-ratelimit-remaining: 0}. */
    public void rateLimitNext(int count) {
        rateLimitedLeft.set(count);
    }

    /** The next {@code count} requests hit a secondary rate limit: 429 with {@code retry-after: seconds}. */
    public void secondaryRateLimitNext(int count, int seconds) {
        secondaryRateLimitNext(count, seconds, 429);
    }

    /** As {@link #secondaryRateLimitNext(int, int)} with {@code status} 403 or 429 (GitHub answers either). */
    public void secondaryRateLimitNext(int count, int seconds, int status) {
        if (status != 403 && status != 429) {
            throw new IllegalArgumentException("a secondary rate limit answers 403 or 429, not " + status);
        }
        retryAfterSeconds = seconds;
        secondaryStatus = status;
        secondaryLimitedLeft.set(count);
    }

    /**
     * The next {@code count} answers of a single pull request say {@code mergeable: null} and {@code
     * mergeable_state: "unknown"}, as GitHub does while it computes the test merge in the background.
     */
    public void mergeabilityUnknownNext(int count) {
        mergeabilityUnknownLeft.set(count);
    }

    /** The next {@code count} requests answer {@code status} (e.g. 502, 503) with GitHub's error body. */
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

    private static final class Protection {
        List<String> contexts = new ArrayList<>();
        boolean strict;
        int approvals;
    }

    private static final class RepoState {
        final String fullName;
        final BareRepository bare;
        final Map<Integer, Pull> pulls = new LinkedHashMap<>();
        final Map<String, Protection> protections = new HashMap<>();
        final Map<String, List<Map<String, Object>>> statuses = new HashMap<>();
        final List<Map<String, Object>> checkRuns = new ArrayList<>();
        int nextNumber = 1;

        RepoState(String fullName, BareRepository bare) {
            this.fullName = fullName;
            this.bare = bare;
        }
    }

    private static final class Pull {
        long id;
        int number;
        String title;
        String body;
        String head;
        String base;
        String login;
        String state = "open";
        boolean merged;
        String mergeCommitSha;
        String mergedHeadSha;
        String mergedBy;
        String createdAt;
        String updatedAt;
        String closedAt;
        final Set<String> labels = new LinkedHashSet<>();
        final List<Map<String, Object>> reviews = new ArrayList<>();
        final List<Map<String, Object>> comments = new ArrayList<>();
    }

    private Protection protection(String repo, String branch) {
        RepoState state = state(repo).orElseThrow(() -> new IllegalArgumentException("no repository " + repo));
        return state.protections.computeIfAbsent(branch, b -> new Protection());
    }

    private Optional<BareRepository> repository(String fullName) {
        String served = servedNames.getOrDefault(fullName, fullName);
        Path dir = repositoriesRoot.resolve(served + ".git").normalize();
        if (!dir.startsWith(repositoriesRoot)) {
            return Optional.empty();
        }
        BareRepository bare = new BareRepository(dir, "GitHub", "noreply@github.com");
        return bare.exists() ? Optional.of(bare) : Optional.empty();
    }

    private synchronized Optional<RepoState> state(String fullName) {
        RepoState known = repos.get(fullName);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<BareRepository> bare = repository(fullName);
        bare.ifPresent(b -> repos.put(fullName, new RepoState(fullName, b)));
        return bare.map(b -> repos.get(fullName));
    }

    /** The served repositories' directory: the fake merges in it, as GitHub does on its side. */
    private static Path repositoriesDirectory(GitHttpServer git) {
        return git.repositoriesDirectory().toAbsolutePath().normalize();
    }

    // ---- serving ---------------------------------------------------------------------------------------------

    /** An answer: status, JSON body (null for none), extra headers. */
    private record Answer(int status, Object body, Map<String, String> headers) {
        Answer(int status, Object body) {
            this(status, body, Map.of());
        }
    }

    private static final class Problem extends RuntimeException {
        final transient Answer answer;

        Problem(int status, String message) {
            this(new Answer(status, message(message)));
        }

        Problem(Answer answer) {
            super(String.valueOf(answer.body), null, false, false);
            this.answer = answer;
        }
    }

    private static Map<String, Object> message(String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("message", message);
        body.put("documentation_url", DOCS);
        return body;
    }

    private static Problem validation(String resource, String field, String code, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("resource", resource);
        error.put("field", field);
        error.put("code", code);
        if (message != null) {
            error.put("message", message);
        }
        Map<String, Object> body = message("Validation Failed");
        body.put("errors", List.of(error));
        return new Problem(new Answer(422, body));
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
                answer = new Answer(500, message("Server Error: " + e.getMessage()));
            }
            // recorded before the answer leaves, so a client that has its answer also sees the record
            requests.add(new Request(method, line, answer.status, arrived));
            send(exchange, answer);
        }
    }

    private Answer answer(HttpExchange exchange) {
        if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return new Answer(failureStatus, message("Server Error"));
        }
        String login = login(exchange.getRequestHeaders().getFirst("Authorization"));
        if (login == null) {
            return new Answer(401, message("Bad credentials"));
        }
        used.incrementAndGet();
        if (rateLimitedLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return new Answer(
                    403,
                    message("API rate limit exceeded for user " + login + "."),
                    Map.of("x-ratelimit-remaining", "0"));
        }
        if (secondaryLimitedLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return new Answer(
                    secondaryStatus,
                    message(
                            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."),
                    Map.of("retry-after", String.valueOf(retryAfterSeconds)));
        }
        try {
            JsonNode body = body(exchange);
            synchronized (this) {
                return route(
                        exchange.getRequestMethod(),
                        exchange.getRequestURI().getRawPath(),
                        query(exchange),
                        body,
                        login);
            }
        } catch (Problem problem) {
            return problem.answer;
        }
    }

    private String login(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = authorization.strip();
        for (String scheme : List.of("Bearer ", "token ")) {
            if (value.regionMatches(true, 0, scheme, 0, scheme.length())) {
                return tokens.get(value.substring(scheme.length()).strip());
            }
        }
        return null;
    }

    private JsonNode body(HttpExchange exchange) {
        try {
            byte[] bytes = exchange.getRequestBody().readAllBytes();
            if (bytes.length == 0) {
                return json.createObjectNode();
            }
            JsonNode node = json.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new Problem(400, "Problems parsing JSON");
            }
            return node;
        } catch (IOException e) {
            throw new Problem(400, "Problems parsing JSON");
        }
    }

    private static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> params = new HashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(key, value);
        }
        return params;
    }

    private void send(HttpExchange exchange, Answer answer) throws IOException {
        var headers = exchange.getResponseHeaders();
        int remaining = Math.max(0, RATE_LIMIT - used.get());
        headers.set("x-ratelimit-limit", String.valueOf(RATE_LIMIT));
        headers.set("x-ratelimit-remaining", String.valueOf(remaining));
        headers.set("x-ratelimit-used", String.valueOf(RATE_LIMIT - remaining));
        headers.set("x-ratelimit-reset", String.valueOf(resetEpochSecond));
        headers.set("x-ratelimit-resource", "core");
        headers.set("x-github-api-version-selected", "2022-11-28");
        answer.headers.forEach(headers::set);
        if (answer.body == null) {
            exchange.sendResponseHeaders(answer.status, -1);
            return;
        }
        byte[] bytes = json.writeValueAsBytes(answer.body);
        headers.set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(answer.status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    // ---- routes ----------------------------------------------------------------------------------------------

    private Answer route(String method, String rawPath, Map<String, String> query, JsonNode body, String login) {
        List<String> p = new ArrayList<>();
        for (String segment : rawPath.split("/")) {
            if (!segment.isEmpty()) {
                p.add(URLDecoder.decode(segment, StandardCharsets.UTF_8));
            }
        }
        if (p.size() < 3 || !p.get(0).equals("repos")) {
            throw new Problem(404, "Not Found");
        }
        RepoState repo = state(p.get(1) + "/" + p.get(2)).orElseThrow(() -> new Problem(404, "Not Found"));
        List<String> rest = p.subList(3, p.size());
        String route = method + " " + shape(rest);
        return switch (route) {
            case "GET " -> new Answer(200, repositoryJson(repo));
            case "POST pulls" -> createPull(repo, body, login);
            case "GET pulls" -> new Answer(200, listPulls(repo, query));
            case "GET pulls/*" -> new Answer(200, pullJson(repo, pull(repo, rest.get(1)), true));
            case "PATCH pulls/*" -> updatePull(repo, pull(repo, rest.get(1)), body);
            case "GET pulls/*/merge" -> new Answer(pull(repo, rest.get(1)).merged ? 204 : 404, null);
            case "PUT pulls/*/merge" -> merge(repo, pull(repo, rest.get(1)), body, login);
            case "POST pulls/*/reviews" -> createReview(repo, pull(repo, rest.get(1)), body, login);
            case "GET pulls/*/reviews" -> new Answer(200, pull(repo, rest.get(1)).reviews);
            case "GET pulls/*/comments" -> new Answer(200, pull(repo, rest.get(1)).comments);
            case "POST issues/*/labels" -> addLabels(repo, pull(repo, rest.get(1)), body);
            case "GET issues/*/labels" -> new Answer(200, labelsJson(pull(repo, rest.get(1))));
            case "DELETE issues/*/labels/*" -> removeLabel(pull(repo, rest.get(1)), rest.get(3));
            case "POST statuses/*" -> createStatus(repo, rest.get(1), body, login);
            case "GET commits/*/status" -> new Answer(200, combinedStatus(repo, rest.get(1)));
            case "GET commits/*/statuses" -> new Answer(200, statusesOf(repo, sha(repo, rest.get(1))));
            case "POST check-runs" -> createCheckRun(repo, body);
            case "PATCH check-runs/*" -> updateCheckRun(repo, rest.get(1), body);
            case "GET commits/*/check-runs" -> new Answer(200, checkRunsJson(repo, rest.get(1)));
            case "GET branches/*" -> new Answer(200, branchJson(repo, rest.get(1)));
            case "GET branches/*/protection/required_status_checks" -> requiredChecks(repo, rest.get(1));
            default -> throw new Problem(404, "Not Found");
        };
    }

    /** {@code pulls/7/merge} -> {@code pulls/x/merge}: the collection names stay, the identifiers become *. */
    private static String shape(List<String> rest) {
        List<String> shape = new ArrayList<>();
        for (int i = 0; i < rest.size(); i++) {
            shape.add(i % 2 == 0 ? rest.get(i) : "*");
        }
        // protection/required_status_checks are two fixed names after branches/*
        if (rest.size() == 4 && rest.get(0).equals("branches") && rest.get(2).equals("protection")) {
            shape.set(3, rest.get(3));
        }
        return String.join("/", shape);
    }

    private Pull pull(RepoState repo, String number) {
        try {
            Pull pull = repo.pulls.get(Integer.parseInt(number));
            if (pull != null) {
                return pull;
            }
        } catch (NumberFormatException e) {
            // not a number: not found, as GitHub answers
        }
        throw new Problem(404, "Not Found");
    }

    private String sha(RepoState repo, String ref) {
        return repo.bare.resolve(ref).orElseThrow(() -> new Problem(422, "No commit found for SHA: " + ref));
    }

    private static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static Map<String, Object> user(String login) {
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("login", login);
        user.put("id", Math.abs((long) login.hashCode()));
        user.put("type", login.endsWith("[bot]") ? "Bot" : "User");
        user.put("html_url", "https://github.com/" + login);
        return user;
    }

    private Map<String, Object> repositoryJson(RepoState repo) {
        Map<String, Object> json = new LinkedHashMap<>();
        String[] names = repo.fullName.split("/", 2);
        json.put("name", names[1]);
        json.put("full_name", repo.fullName);
        json.put("owner", user(names[0]));
        json.put("private", true);
        json.put("default_branch", "main");
        json.put("html_url", "https://github.com/" + repo.fullName);
        json.put("clone_url", git.url(servedNames.getOrDefault(repo.fullName, repo.fullName)));
        json.put("url", apiUrl() + "/repos/" + repo.fullName);
        return json;
    }

    // ---- pull requests ---------------------------------------------------------------------------------------

    /** {@code owner:branch} or {@code branch} -> {@code branch} (same-repository pull requests only). */
    private static String headBranch(RepoState repo, String head) {
        int colon = head.indexOf(':');
        if (colon < 0) {
            return head;
        }
        String owner = repo.fullName.substring(0, repo.fullName.indexOf('/'));
        if (!head.substring(0, colon).equals(owner)) {
            throw validation("PullRequest", "head", "invalid", null);
        }
        return head.substring(colon + 1);
    }

    private Answer createPull(RepoState repo, JsonNode body, String login) {
        String title = text(body, "title");
        String head = text(body, "head");
        String base = text(body, "base");
        if (head == null || head.isBlank()) {
            throw validation("PullRequest", "head", "missing_field", null);
        }
        if (base == null || base.isBlank()) {
            throw validation("PullRequest", "base", "missing_field", null);
        }
        if (title == null || title.isBlank()) {
            throw validation("PullRequest", "title", "missing_field", null);
        }
        String branch = headBranch(repo, head);
        String headSha = repo.bare.branch(branch).orElseThrow(() -> validation("PullRequest", "head", "invalid", null));
        String baseSha = repo.bare.branch(base).orElseThrow(() -> validation("PullRequest", "base", "invalid", null));
        for (Pull open : repo.pulls.values()) {
            if (open.state.equals("open") && open.head.equals(branch) && open.base.equals(base)) {
                throw validation(
                        "PullRequest",
                        null,
                        "custom",
                        "A pull request already exists for " + owner(repo) + ":" + branch + ".");
            }
        }
        if (repo.bare.isAncestor(headSha, baseSha)) {
            throw validation("PullRequest", null, "custom", "No commits between " + base + " and " + branch);
        }
        Pull pull = new Pull();
        pull.id = ids.incrementAndGet();
        pull.number = repo.nextNumber++;
        pull.title = title;
        pull.body = text(body, "body");
        pull.head = branch;
        pull.base = base;
        pull.login = login;
        pull.createdAt = now();
        pull.updatedAt = pull.createdAt;
        repo.pulls.put(pull.number, pull);
        String url = apiUrl() + "/repos/" + repo.fullName + "/pulls/" + pull.number;
        return new Answer(201, pullJson(repo, pull, true), Map.of("Location", url));
    }

    private static String owner(RepoState repo) {
        return repo.fullName.substring(0, repo.fullName.indexOf('/'));
    }

    private Answer updatePull(RepoState repo, Pull pull, JsonNode body) {
        if (text(body, "title") != null) {
            pull.title = text(body, "title");
        }
        if (body.has("body")) {
            pull.body = text(body, "body");
        }
        String state = text(body, "state");
        if (state != null) {
            if (!state.equals("open") && !state.equals("closed")) {
                throw validation("PullRequest", "state", "invalid", null);
            }
            if (!pull.merged) {
                pull.state = state;
                pull.closedAt = state.equals("closed") ? now() : null;
            }
        }
        pull.updatedAt = now();
        return new Answer(200, pullJson(repo, pull, true));
    }

    private List<Map<String, Object>> listPulls(RepoState repo, Map<String, String> query) {
        String state = query.getOrDefault("state", "open");
        String head = query.get("head");
        String base = query.get("base");
        List<Map<String, Object>> list = new ArrayList<>();
        List<Pull> newestFirst = new ArrayList<>(repo.pulls.values());
        Collections.reverse(newestFirst);
        for (Pull pull : newestFirst) {
            if (!state.equals("all") && !pull.state.equals(state)) {
                continue;
            }
            // GitHub filters head as user:ref; a head without the owner matches nothing there either
            if (head != null && !head.equals(owner(repo) + ":" + pull.head)) {
                continue;
            }
            if (base != null && !base.equals(pull.base)) {
                continue;
            }
            list.add(pullJson(repo, pull, false));
        }
        return list;
    }

    private String headSha(RepoState repo, Pull pull) {
        if (pull.merged) {
            return pull.mergedHeadSha;
        }
        return repo.bare.branch(pull.head).orElse(null);
    }

    /** What stands between an open pull request and its merge, as GitHub's mergeable_state names it. */
    private String mergeableState(RepoState repo, Pull pull, String headSha, String baseSha) {
        if (headSha == null
                || baseSha == null
                || repo.bare.mergeTree(baseSha, headSha).isEmpty()) {
            return "dirty";
        }
        Protection protection = repo.protections.get(pull.base);
        if (protection != null) {
            if (protection.strict && !repo.bare.isAncestor(baseSha, headSha)) {
                return "behind";
            }
            if (firstUnmetCheck(repo, protection, headSha) != null || reviewBlock(pull, protection) != null) {
                return "blocked";
            }
        }
        return "clean";
    }

    private Map<String, Object> pullJson(RepoState repo, Pull pull, boolean detail) {
        String headSha = headSha(repo, pull);
        String baseSha = repo.bare.branch(pull.base).orElse(null);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("url", apiUrl() + "/repos/" + repo.fullName + "/pulls/" + pull.number);
        json.put("id", pull.id);
        json.put("number", pull.number);
        json.put("state", pull.state);
        json.put("locked", false);
        json.put("title", pull.title);
        json.put("user", user(pull.login));
        json.put("body", pull.body);
        json.put("labels", labelsJson(pull));
        json.put("html_url", "https://github.com/" + repo.fullName + "/pull/" + pull.number);
        json.put("created_at", pull.createdAt);
        json.put("updated_at", pull.updatedAt);
        json.put("closed_at", pull.closedAt);
        json.put("merged_at", pull.merged ? pull.closedAt : null);
        json.put("merge_commit_sha", pull.mergeCommitSha);
        json.put("draft", false);
        json.put("head", ref(repo, pull.head, headSha));
        json.put("base", ref(repo, pull.base, baseSha));
        if (detail) {
            json.put("merged", pull.merged);
            if (pull.state.equals("open") && mergeabilityUnknownLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                json.put("mergeable", null);
                json.put("mergeable_state", "unknown");
            } else if (pull.state.equals("open")) {
                String state = mergeableState(repo, pull, headSha, baseSha);
                json.put("mergeable", !state.equals("dirty"));
                json.put("mergeable_state", state);
            } else {
                json.put("mergeable", null);
                json.put("mergeable_state", "unknown");
            }
            json.put("merged_by", pull.mergedBy == null ? null : user(pull.mergedBy));
            json.put("comments", 0);
            json.put("review_comments", pull.comments.size());
        }
        return json;
    }

    private Map<String, Object> ref(RepoState repo, String branch, String sha) {
        Map<String, Object> ref = new LinkedHashMap<>();
        ref.put("label", owner(repo) + ":" + branch);
        ref.put("ref", branch);
        ref.put("sha", sha);
        ref.put("user", user(owner(repo)));
        ref.put("repo", repositoryJson(repo));
        return ref;
    }

    // ---- merging ---------------------------------------------------------------------------------------------

    private Answer merge(RepoState repo, Pull pull, JsonNode body, String login) {
        if (!pull.state.equals("open")) {
            throw new Problem(405, "Pull Request is not mergeable");
        }
        String method = Optional.ofNullable(text(body, "merge_method")).orElse("merge");
        if (!method.equals("merge") && !method.equals("squash")) {
            throw validation("PullRequest", "merge_method", "invalid", "merge_method must be merge or squash");
        }
        String headSha = headSha(repo, pull);
        String baseSha = repo.bare.branch(pull.base).orElseThrow(() -> new Problem(405, "Base branch was deleted"));
        if (headSha == null) {
            throw new Problem(405, "Head branch was deleted");
        }
        String expected = text(body, "sha");
        if (expected != null && !expected.equals(headSha)) {
            throw new Problem(409, "Head branch was modified. Review and try the merge again.");
        }
        Optional<String> tree = repo.bare.mergeTree(baseSha, headSha);
        if (tree.isEmpty()) {
            throw new Problem(405, "Merge conflict");
        }
        Protection protection = repo.protections.get(pull.base);
        if (protection != null) {
            if (protection.strict && !repo.bare.isAncestor(baseSha, headSha)) {
                throw new Problem(405, "Head branch is not up to date with the base branch");
            }
            String unmet = firstUnmetCheck(repo, protection, headSha);
            if (unmet != null) {
                throw new Problem(405, unmet);
            }
            String review = reviewBlock(pull, protection);
            if (review != null) {
                throw new Problem(405, review);
            }
        }
        String title = text(body, "commit_title");
        String message = text(body, "commit_message");
        String commit;
        if (method.equals("merge")) {
            String subject = title != null
                    ? title
                    : "Merge pull request #" + pull.number + " from " + owner(repo) + "/" + pull.head;
            commit = repo.bare.commit(
                    tree.get(),
                    List.of(baseSha, headSha),
                    subject + "\n\n" + (message != null ? message : pull.title) + "\n",
                    login,
                    login + "@users.noreply.github.com");
        } else {
            String subject = title != null ? title : pull.title + " (#" + pull.number + ")";
            commit = repo.bare.commit(
                    tree.get(),
                    List.of(baseSha),
                    subject + (message != null ? "\n\n" + message : "") + "\n",
                    pull.login,
                    pull.login + "@users.noreply.github.com");
        }
        if (!repo.bare.updateBranch(pull.base, commit, baseSha)) {
            throw new Problem(409, "Base branch was modified. Review and try the merge again.");
        }
        pull.state = "closed";
        pull.merged = true;
        pull.mergedHeadSha = headSha;
        pull.mergeCommitSha = commit;
        pull.mergedBy = login;
        pull.closedAt = now();
        pull.updatedAt = pull.closedAt;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("sha", commit);
        result.put("merged", true);
        result.put("message", "Pull Request successfully merged");
        return new Answer(200, result);
    }

    /** GitHub's refusal message for the first required check that is not green on {@code sha}, or null. */
    private String firstUnmetCheck(RepoState repo, Protection protection, String sha) {
        for (String context : protection.contexts) {
            String state = checkState(repo, context, sha);
            if (state == null || state.equals("pending")) {
                return "Required status check \"" + context + "\" is expected.";
            }
            if (!state.equals("success")) {
                return "Required status check \"" + context + "\" is failing.";
            }
        }
        return null;
    }

    /** success, pending, failure or null (never reported) for {@code context} on {@code sha}: latest wins. */
    private static String checkState(RepoState repo, String context, String sha) {
        String state = null;
        for (Map<String, Object> status : repo.statuses.getOrDefault(sha, List.of())) {
            if (context.equals(status.get("context"))) {
                state = (String) status.get("state");
                state = state.equals("error") ? "failure" : state;
            }
        }
        if (state != null && !state.equals("pending")) {
            return state;
        }
        for (Map<String, Object> run : repo.checkRuns) {
            if (sha.equals(run.get("head_sha")) && context.equals(run.get("name"))) {
                if (!"completed".equals(run.get("status"))) {
                    state = "pending";
                } else {
                    String conclusion = (String) run.get("conclusion");
                    state = Set.of("success", "neutral", "skipped").contains(conclusion) ? "success" : "failure";
                }
            }
        }
        return state;
    }

    private static String reviewBlock(Pull pull, Protection protection) {
        Map<String, String> latest = new LinkedHashMap<>();
        for (Map<String, Object> review : pull.reviews) {
            String state = (String) review.get("state");
            if (state.equals("APPROVED") || state.equals("CHANGES_REQUESTED")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> user = (Map<String, Object>) review.get("user");
                latest.put((String) user.get("login"), state);
            }
        }
        if (latest.containsValue("CHANGES_REQUESTED")) {
            return "Changes must be made through a pull request. Reviewers requested changes.";
        }
        long approvals = latest.values().stream().filter("APPROVED"::equals).count();
        if (approvals < protection.approvals) {
            return "At least " + protection.approvals + " approving review"
                    + (protection.approvals == 1 ? " is" : "s are") + " required by reviewers with write access.";
        }
        return null;
    }

    // ---- labels ----------------------------------------------------------------------------------------------

    private Answer addLabels(RepoState repo, Pull pull, JsonNode body) {
        JsonNode labels = body.get("labels");
        if (labels == null || !labels.isArray()) {
            throw validation("Label", "labels", "missing_field", null);
        }
        for (JsonNode label : labels) {
            String name = label.isObject() ? text(label, "name") : label.asText();
            if (name == null || name.isBlank()) {
                throw validation("Label", "name", "missing_field", null);
            }
            pull.labels.add(name);
        }
        pull.updatedAt = now();
        return new Answer(200, labelsJson(pull));
    }

    private Answer removeLabel(Pull pull, String name) {
        if (!pull.labels.remove(name)) {
            throw new Problem(404, "Label does not exist");
        }
        return new Answer(200, labelsJson(pull));
    }

    private static List<Map<String, Object>> labelsJson(Pull pull) {
        List<Map<String, Object>> labels = new ArrayList<>();
        for (String name : pull.labels) {
            Map<String, Object> label = new LinkedHashMap<>();
            label.put("id", Math.abs((long) name.hashCode()));
            label.put("name", name);
            label.put("color", "ededed");
            label.put("default", false);
            labels.add(label);
        }
        return labels;
    }

    // ---- statuses and check runs -----------------------------------------------------------------------------

    private static final Set<String> STATUS_STATES = Set.of("error", "failure", "pending", "success");
    private static final Set<String> RUN_STATUSES = Set.of("queued", "in_progress", "completed");
    private static final Set<String> CONCLUSIONS =
            Set.of("action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out");

    private Answer createStatus(RepoState repo, String sha, JsonNode body, String login) {
        String full = repo.bare
                .resolve(sha)
                .filter(s -> s.startsWith(sha.toLowerCase()))
                .orElseThrow(() -> validation("Status", "sha", "invalid", "No commit found for SHA: " + sha));
        String state = text(body, "state");
        if (state == null || !STATUS_STATES.contains(state)) {
            throw validation("Status", "state", "invalid", "state must be one of error, failure, pending, success");
        }
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("id", ids.incrementAndGet());
        status.put("state", state);
        status.put("description", text(body, "description"));
        status.put("target_url", text(body, "target_url"));
        status.put("context", Optional.ofNullable(text(body, "context")).orElse("default"));
        status.put("created_at", now());
        status.put("updated_at", status.get("created_at"));
        status.put("creator", user(login));
        repo.statuses.computeIfAbsent(full, k -> new ArrayList<>()).add(status);
        return new Answer(201, status);
    }

    /** The statuses of {@code sha}, newest first (as GitHub lists them). */
    private static List<Map<String, Object>> statusesOf(RepoState repo, String sha) {
        List<Map<String, Object>> list = new ArrayList<>(repo.statuses.getOrDefault(sha, List.of()));
        Collections.reverse(list);
        return list;
    }

    private Map<String, Object> combinedStatus(RepoState repo, String ref) {
        String sha = sha(repo, ref);
        Map<String, Map<String, Object>> latest = new LinkedHashMap<>();
        for (Map<String, Object> status : repo.statuses.getOrDefault(sha, List.of())) {
            latest.put((String) status.get("context"), status);
        }
        String state = "success";
        if (latest.isEmpty()) {
            state = "pending";
        }
        for (Map<String, Object> status : latest.values()) {
            String s = (String) status.get("state");
            if (s.equals("error") || s.equals("failure")) {
                state = "failure";
                break;
            }
            if (s.equals("pending")) {
                state = "pending";
            }
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("state", state);
        json.put("statuses", new ArrayList<>(latest.values()));
        json.put("sha", sha);
        json.put("total_count", latest.size());
        json.put("repository", repositoryJson(repo));
        return json;
    }

    private Answer createCheckRun(RepoState repo, JsonNode body) {
        String name = text(body, "name");
        String headSha = text(body, "head_sha");
        if (name == null || name.isBlank()) {
            throw validation("CheckRun", "name", "missing_field", null);
        }
        if (headSha == null
                || repo.bare.resolve(headSha).filter(headSha::equals).isEmpty()) {
            throw validation("CheckRun", "head_sha", "invalid", "No commit found for SHA: " + headSha);
        }
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("id", ids.incrementAndGet());
        run.put("name", name);
        run.put("head_sha", headSha);
        run.put("status", "queued");
        run.put("conclusion", null);
        run.put("started_at", now());
        run.put("completed_at", null);
        run.put("details_url", null);
        run.put("output", Map.of());
        applyCheckRun(run, body);
        repo.checkRuns.add(run);
        return new Answer(201, run);
    }

    private Answer updateCheckRun(RepoState repo, String id, JsonNode body) {
        for (Map<String, Object> run : repo.checkRuns) {
            if (String.valueOf(run.get("id")).equals(id)) {
                if (text(body, "name") != null) {
                    run.put("name", text(body, "name"));
                }
                applyCheckRun(run, body);
                return new Answer(200, run);
            }
        }
        throw new Problem(404, "Not Found");
    }

    private static void applyCheckRun(Map<String, Object> run, JsonNode body) {
        String status = text(body, "status");
        String conclusion = text(body, "conclusion");
        if (status != null && !RUN_STATUSES.contains(status)) {
            throw validation("CheckRun", "status", "invalid", "status must be one of queued, in_progress, completed");
        }
        if (conclusion != null && !CONCLUSIONS.contains(conclusion)) {
            throw validation("CheckRun", "conclusion", "invalid", "conclusion " + conclusion + " is not valid");
        }
        if ("completed".equals(status) && conclusion == null) {
            throw validation("CheckRun", "conclusion", "missing_field", "conclusion is required when completed");
        }
        if (status != null) {
            run.put("status", status);
        }
        if (conclusion != null) {
            // a conclusion completes the run, as GitHub does
            run.put("status", "completed");
            run.put("conclusion", conclusion);
            run.put("completed_at", now());
        }
        if (text(body, "details_url") != null) {
            run.put("details_url", text(body, "details_url"));
        }
        JsonNode output = body.get("output");
        if (output != null && output.isObject()) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("title", text(output, "title"));
            out.put("summary", text(output, "summary"));
            out.put("text", text(output, "text"));
            out.put("annotations_count", 0);
            run.put("output", out);
        }
    }

    private Map<String, Object> checkRunsJson(RepoState repo, String ref) {
        String sha = sha(repo, ref);
        // filter=latest (GitHub's default): the most recent run of each name
        Map<String, Map<String, Object>> latest = new LinkedHashMap<>();
        for (Map<String, Object> run : repo.checkRuns) {
            if (sha.equals(run.get("head_sha"))) {
                latest.remove(run.get("name"));
                latest.put((String) run.get("name"), run);
            }
        }
        List<Map<String, Object>> runs = new ArrayList<>(latest.values());
        Collections.reverse(runs);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("total_count", runs.size());
        json.put("check_runs", runs);
        return json;
    }

    // ---- branches --------------------------------------------------------------------------------------------

    private Map<String, Object> branchJson(RepoState repo, String branch) {
        String sha = repo.bare.branch(branch).orElseThrow(() -> new Problem(404, "Branch not found"));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", branch);
        json.put("commit", Map.of("sha", sha));
        json.put("protected", repo.protections.containsKey(branch));
        return json;
    }

    private Answer requiredChecks(RepoState repo, String branch) {
        Protection protection = repo.protections.get(branch);
        if (protection == null) {
            throw new Problem(404, "Branch not protected");
        }
        String url =
                apiUrl() + "/repos/" + repo.fullName + "/branches/" + branch + "/protection/required_status_checks";
        List<Map<String, Object>> checks = new ArrayList<>();
        for (String context : protection.contexts) {
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("context", context);
            check.put("app_id", null);
            checks.add(check);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("url", url);
        json.put("strict", protection.strict);
        json.put("contexts", protection.contexts);
        json.put("checks", checks);
        json.put("contexts_url", url + "/contexts");
        return new Answer(200, json);
    }

    // ---- reviews ---------------------------------------------------------------------------------------------

    private Answer createReview(RepoState repo, Pull pull, JsonNode body, String login) {
        String event = text(body, "event");
        String text = Optional.ofNullable(text(body, "body")).orElse("");
        String state;
        if (event == null) {
            state = "PENDING";
        } else {
            state = switch (event) {
                case "APPROVE" -> "APPROVED";
                case "REQUEST_CHANGES" -> "CHANGES_REQUESTED";
                case "COMMENT" -> "COMMENTED";
                default ->
                    throw validation(
                            "PullRequestReview",
                            "event",
                            "invalid",
                            "event must be APPROVE, REQUEST_CHANGES or COMMENT");
            };
        }
        if (login.equals(pull.login) && state.equals("APPROVED")) {
            throw new Problem(new Answer(422, unprocessable("Can not approve your own pull request")));
        }
        if (login.equals(pull.login) && state.equals("CHANGES_REQUESTED")) {
            throw new Problem(new Answer(422, unprocessable("Can not request changes on your own pull request")));
        }
        if ((state.equals("CHANGES_REQUESTED") || state.equals("COMMENTED")) && text.isBlank()) {
            throw new Problem(new Answer(
                    422, unprocessable("Review body is required for " + event + " (the \"body\" field is empty)")));
        }
        long id = ids.incrementAndGet();
        String commit = headSha(repo, pull);
        List<Map<String, Object>> comments = new ArrayList<>();
        JsonNode given = body.get("comments");
        if (given != null && given.isArray()) {
            for (JsonNode c : given) {
                String path = text(c, "path");
                String commentBody = text(c, "body");
                if (path == null || commentBody == null) {
                    throw validation("PullRequestReviewComment", path == null ? "path" : "body", "missing_field", null);
                }
                Map<String, Object> comment = new LinkedHashMap<>();
                long commentId = ids.incrementAndGet();
                comment.put("id", commentId);
                comment.put("pull_request_review_id", id);
                comment.put("path", path);
                comment.put("line", c.has("line") ? c.get("line").asInt() : null);
                comment.put("side", Optional.ofNullable(text(c, "side")).orElse("RIGHT"));
                comment.put("body", commentBody);
                comment.put("user", user(login));
                comment.put("commit_id", commit);
                comment.put("created_at", now());
                comment.put(
                        "html_url",
                        "https://github.com/" + repo.fullName + "/pull/" + pull.number + "#discussion_r" + commentId);
                comments.add(comment);
            }
        }
        Map<String, Object> review = new LinkedHashMap<>();
        review.put("id", id);
        review.put("user", user(login));
        review.put("body", text);
        review.put("state", state);
        review.put(
                "html_url",
                "https://github.com/" + repo.fullName + "/pull/" + pull.number + "#pullrequestreview-" + id);
        review.put("pull_request_url", apiUrl() + "/repos/" + repo.fullName + "/pulls/" + pull.number);
        review.put("submitted_at", state.equals("PENDING") ? null : now());
        review.put("commit_id", commit);
        review.put("author_association", "COLLABORATOR");
        pull.reviews.add(review);
        pull.comments.addAll(comments);
        return new Answer(200, review);
    }

    private static Map<String, Object> unprocessable(String error) {
        Map<String, Object> body = message("Unprocessable Entity");
        body.put("errors", List.of(error));
        return body;
    }
}
