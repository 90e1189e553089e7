package dev.forgeline.systemtest;

import static dev.forgeline.systemtest.ScratchFiles.deleteRecursively;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forgeline.stack.LocalStack;
import dev.forgeline.stack.ServiceKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Malformed and hostile requests to every operation of every service of a running stack. The operations come from
 * each service's OpenAPI document, so a new endpoint is covered without editing this class. Each operation is sent
 * without a token and with a wrong one (401), with a token whose role the operation does not allow (403), and, with
 * the admin token, with unknown, traversal, huge, negative and script ids, broken, mistyped, non-UTF-8, oversized and
 * wrongly typed bodies, mistyped and out-of-range query parameters, a foreign {@code Host}, a cross-origin
 * {@code Origin} and an oversized header. No answer may be 5xx, every 4xx is {@code application/problem+json} with
 * {@code type}, {@code title}, {@code status} and {@code detail}, and the read API of every service shows the same
 * state before and after each service's requests.
 */
class BadInputIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Path HOME = ScratchFiles.HOME;
    private static final Path WORK = HOME.resolve("system-test/target/bad-input");
    private static final String WORKER = "bad-input-worker";

    /** Requests in flight at once: the stack shares two cores with the test. */
    private static final int CONCURRENCY = 8;

    private static final String PROBLEM_JSON = "application/problem+json";
    private static final String UNAUTHENTICATED = "https://forgeline.dev/problems/unauthenticated";
    private static final String FORBIDDEN = "https://forgeline.dev/problems/forbidden";
    private static final String CROSS_ORIGIN = "https://forgeline.dev/problems/cross-origin-request";
    private static final String FOREIGN_ORIGIN = "https://evil.example";
    private static final String FOREIGN_HOST = "evil.example";
    private static final String SIGN_IN = "/ui/sign-in";

    /** Ids no object has, and ids meant to break out of a path, a number or a page. */
    private static final List<String> HOSTILE_IDS = List.of(
            "bad-input-unknown-" + UUID.randomUUID(),
            "..%2F..%2Fetc%2Fpasswd",
            "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
            "99999999999999999999999999",
            "-1",
            "-9223372036854775809",
            "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            "%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
            "%00",
            "%C3%28");
    /** Values of the wrong type or out of range for a typed query parameter. */
    private static final List<String> BAD_TYPED_VALUES = List.of(
            "abc",
            "99999999999999999999999999",
            "-1",
            "-9223372036854775809",
            "1e400",
            "+999999999-12-31",
            "2026-13-45",
            "%3Cscript%3E",
            "%C3%28",
            "");
    /** Hostile values for a text query parameter of a read. */
    private static final List<String> HOSTILE_TEXT = List.of(
            "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            "..%2F..%2Fetc%2Fpasswd", "%27%20OR%201%3D1--", "%C3%28", "x".repeat(10_000));
    /** Repositories a spec must not be accepted with. */
    private static final List<String> HOSTILE_REPOSITORIES =
            List.of("file:///etc", "http://169.254.169.254/", "ext::sh -c touch% /tmp/pwned", "../", ".");
    /** Over every body limit: the planner's spec limit (1 MiB) and the HTTP server's (10 MiB). */
    private static final int OVERSIZED_BODY_BYTES = 11 * 1024 * 1024;
    /** Over the services' header limit (20 KiB, RequestHeadLimit). */
    private static final int OVERSIZED_HEADER_BYTES = 64 * 1024;

    private static LocalStack stack;
    private static HttpClient http;
    private static ExecutorService senders;
    private static String adminToken;
    /** Every role but admin and worker, for {@link #OWN_PROJECT} only. */
    private static String ownProjectToken;
    /** The project of the token the other-project probes send. */
    private static final String OWN_PROJECT = "default";
    /** The project of the spec whose ids those probes name. */
    private static final String OTHER_PROJECT = "elsewhere";
    /** The ids of the other project's spec and its task: path parameters they can fill, by name. */
    private static final Map<String, String> OTHER_PROJECT_IDS = new LinkedHashMap<>();
    /** The operations probed with the other project's ids, as {@code METHOD /path/{template}}. */
    private static final Set<String> OTHER_PROJECT_PROBES = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** A valid token of each single role. */
    private static final Map<String, String> ROLE_TOKENS = new LinkedHashMap<>();

    @BeforeAll
    static void startStack() throws IOException {
        deleteRecursively(WORK);
        stack = LocalStack.start(
                new LocalStack.Options(
                        HOME,
                        WORK,
                        false,
                        WORKER,
                        1,
                        "simulated",
                        // thousands of requests from one caller in a minute: the rate limiter would answer most
                        Map.of("FORGELINE_AUTH_RATE_LIMIT_ENABLED", "false")),
                message -> System.out.println("[bad input] " + message));
        adminToken = stack.adminToken();
        for (String role : List.of("submitter", "reviewer", "operator", "worker")) {
            ROLE_TOKENS.put(role, stack.createToken("bad-input-" + role, role));
        }
        ownProjectToken = stack.createProjectToken(
                "bad-input-own-project", List.of(OWN_PROJECT), "submitter", "reviewer", "operator");
        http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(20))
                .build();
        senders = Executors.newFixedThreadPool(CONCURRENCY);
    }

    @AfterAll
    static void stopStack() {
        if (senders != null) {
            senders.shutdownNow();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyOperationRefusesBadInputWithAProblemAndChangesNothing() throws Exception {
        Map<ServiceKind, List<Operation>> operations = new LinkedHashMap<>();
        List<String> unexercisable = new ArrayList<>();
        for (ServiceKind service : ServiceKind.values()) {
            JsonNode document = openApi(service);
            List<Operation> ops = operations(service, document);
            int documented = documentedOperations(document);
            assertThat(ops).as("operations of the %s document", service).hasSize(documented);
            assertThat(documented)
                    .as("the %s service documents its operations", service)
                    .isPositive();
            operations.put(service, ops);
        }

        // the other project's objects, its task run and merged before dispatch is paused for the probes
        submitTheOtherProjectsSpec();
        // nothing may run while hostile requests arrive: a spec accepted by mistake stays in the database (where the
        // snapshots find it) instead of being built and merged into whatever repository it named
        HttpResponse<String> paused = http.send(
                HttpRequest.newBuilder(
                                URI.create(stack.url(ServiceKind.DISPATCHER) + "/dispatch/pause?reason=bad-input"))
                        .header("Authorization", "Bearer " + adminToken)
                        .timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
        // nothing moves any more: the snapshots before and after each service's probes compare the same state
        await().atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> snapshot().equals(snapshot()));

        List<String> violations = new ArrayList<>();
        Map<ServiceKind, Map<Integer, AtomicInteger>> byStatus = new LinkedHashMap<>();
        Map<ServiceKind, Integer> sentPerService = new LinkedHashMap<>();
        long started = System.nanoTime();
        for (Map.Entry<ServiceKind, List<Operation>> entry : operations.entrySet()) {
            ServiceKind service = entry.getKey();
            List<Probe> probes = new ArrayList<>();
            for (Operation op : entry.getValue()) {
                try {
                    probes.addAll(probes(op));
                } catch (CannotExercise e) {
                    unexercisable.add(op + ": " + e.getMessage());
                }
            }
            Map<String, JsonNode> before = snapshot();
            Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
            List<Future<String>> results = new ArrayList<>();
            for (Probe probe : probes) {
                results.add(senders.submit(() -> {
                    Answer answer = send(probe);
                    statuses.computeIfAbsent(answer.status(), s -> new AtomicInteger())
                            .incrementAndGet();
                    return judge(probe, answer);
                }));
            }
            for (Future<String> result : results) {
                String violation = result.get();
                if (violation != null) {
                    violations.add(violation);
                }
            }
            Map<String, JsonNode> after = snapshot();
            for (String read : before.keySet()) {
                if (!before.get(read).equals(after.get(read))) {
                    violations.add(service + " batch changed " + read + ": before " + before.get(read) + ", after "
                            + after.get(read));
                }
            }
            byStatus.put(service, new TreeMap<>(statuses));
            sentPerService.put(service, probes.size());
        }
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
        printTable(operations, sentPerService, byStatus, seconds);

        assertThat(unexercisable).as("operations the generator cannot exercise").isEmpty();
        assertThat(violations).as("answers that break the bad-input rules").isEmpty();
        // every operation whose path names a project's object (all but nodes and breakers) was probed with another
        // project's real ids
        List<String> projectScoped = operations.values().stream()
                .flatMap(List::stream)
                .filter(op -> !op.in("path").isEmpty())
                .filter(op -> !op.path().startsWith("/nodes") && !op.path().startsWith("/breakers"))
                .map(op -> op.method() + " " + op.path())
                .toList();
        assertThat(OTHER_PROJECT_PROBES)
                .as("operations probed with another project's ids")
                .containsAll(projectScoped);
    }

    // ---- the operations ----

    /** One operation of a service's OpenAPI document. */
    record Operation(
            ServiceKind service,
            String method,
            String path,
            JsonNode spec,
            List<Parameter> parameters,
            Map<String, JsonNode> bodies,
            boolean bodyRequired) {
        boolean changesState() {
            return !method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS");
        }

        /** Open to anyone: the review pages' sign-in (health, metrics and OpenAPI are not in the documents). */
        boolean open() {
            return path.equals(SIGN_IN);
        }

        boolean page() {
            return path.equals("/ui") || path.startsWith("/ui/");
        }

        List<Parameter> in(String where) {
            return parameters.stream().filter(p -> p.in().equals(where)).toList();
        }

        @Override
        public String toString() {
            return service.name().toLowerCase(Locale.ROOT) + " " + method + " " + path;
        }
    }

    record Parameter(String name, String in, JsonNode schema, boolean required) {
        /** A parameter whose value is converted to a number, a boolean, a date or an enum constant. */
        boolean typed() {
            String type = type(schema);
            return schema.has("enum") || schema.has("format") || (type != null && !type.equals("string"));
        }
    }

    private static JsonNode openApi(ServiceKind service) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(stack.url(service).resolve("/q/openapi?format=json"))
                        .timeout(Duration.ofSeconds(60))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s OpenAPI document", service).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static int documentedOperations(JsonNode document) {
        int count = 0;
        for (JsonNode item : document.path("paths")) {
            for (Iterator<String> it = item.fieldNames(); it.hasNext(); ) {
                if (HTTP_METHODS.contains(it.next())) {
                    count++;
                }
            }
        }
        return count;
    }

    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    private static List<Operation> operations(ServiceKind service, JsonNode document) {
        List<Operation> operations = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths =
                        document.path("paths").fields();
                paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> methods = path.getValue().fields(); methods.hasNext(); ) {
                Map.Entry<String, JsonNode> method = methods.next();
                if (!HTTP_METHODS.contains(method.getKey())) {
                    continue;
                }
                JsonNode op = method.getValue();
                List<Parameter> parameters = new ArrayList<>();
                for (JsonNode list : List.of(path.getValue().path("parameters"), op.path("parameters"))) {
                    for (JsonNode p : list) {
                        JsonNode resolved = resolve(document, p);
                        parameters.add(new Parameter(
                                resolved.path("name").asText(),
                                resolved.path("in").asText(),
                                resolve(document, resolved.path("schema")),
                                resolved.path("required").asBoolean(false)));
                    }
                }
                Map<String, JsonNode> bodies = new LinkedHashMap<>();
                JsonNode body = resolve(document, op.path("requestBody"));
                for (Iterator<Map.Entry<String, JsonNode>> media =
                                body.path("content").fields();
                        media.hasNext(); ) {
                    Map.Entry<String, JsonNode> m = media.next();
                    bodies.put(m.getKey(), inline(document, m.getValue().path("schema"), 0));
                }
                operations.add(new Operation(
                        service,
                        method.getKey().toUpperCase(Locale.ROOT),
                        path.getKey(),
                        op,
                        parameters,
                        bodies,
                        body.path("required").asBoolean(false)));
            }
        }
        return operations;
    }

    private static JsonNode resolve(JsonNode document, JsonNode node) {
        JsonNode current = node;
        for (int i = 0; i < 10 && current.has("$ref"); i++) {
            String ref = current.get("$ref").asText();
            current = document.at(ref.substring(1));
        }
        return current;
    }

    /** The schema with its references resolved (to a few levels: deep enough for every request body). */
    private static JsonNode inline(JsonNode document, JsonNode schema, int depth) {
        JsonNode resolved = resolve(document, schema);
        if (depth > 6 || !resolved.isObject()) {
            return resolved;
        }
        ObjectNode copy = resolved.deepCopy();
        if (resolved.has("properties")) {
            ObjectNode properties = NODES.objectNode();
            resolved.get("properties")
                    .fields()
                    .forEachRemaining(p -> properties.set(p.getKey(), inline(document, p.getValue(), depth + 1)));
            copy.set("properties", properties);
        }
        if (resolved.has("items")) {
            copy.set("items", inline(document, resolved.get("items"), depth + 1));
        }
        for (String combinator : List.of("allOf", "oneOf", "anyOf")) {
            if (resolved.has(combinator) && resolved.get(combinator).size() > 0) {
                // the first alternative stands for the schema
                return inline(document, resolved.get(combinator).get(0), depth + 1);
            }
        }
        return copy;
    }

    /** The schema's type, the first non-null one of an OpenAPI 3.1 type list. */
    private static String type(JsonNode schema) {
        JsonNode type = schema.path("type");
        if (type.isTextual()) {
            return type.asText();
        }
        for (JsonNode t : type) {
            if (!t.asText().equals("null")) {
                return t.asText();
            }
        }
        if (schema.has("properties")) {
            return "object";
        }
        return null;
    }

    // ---- the requests ----

    /** One request and what its answer must be. */
    record Probe(
            Operation op,
            String variant,
            String method,
            String pathAndQuery,
            Map<String, String> headers,
            byte[] body,
            Expect expect) {}

    enum Expect {
        /** 401 problem+json (a review page may send to its sign-in page instead). */
        UNAUTHENTICATED,
        /** 403 forbidden problem. */
        FORBIDDEN,
        /** 403 cross-origin-request problem. */
        CROSS_ORIGIN,
        /** A 4xx problem: the request must be refused. */
        REFUSED,
        /** Anything but 5xx; a 4xx is a problem. */
        NOT_A_FAULT,
        /** Another project's object: 404, as for an unknown id (403 when the role is not allowed at all). */
        HIDDEN
    }

    static final class CannotExercise extends RuntimeException {
        CannotExercise(String message) {
            super(message);
        }
    }

    private static List<Probe> probes(Operation op) {
        List<Probe> probes = new ArrayList<>();
        String safePath = path(op, HOSTILE_IDS.get(0));
        byte[] validBody = null;
        String bodyType = null;
        if (!op.bodies().isEmpty()) {
            bodyType = op.bodies().containsKey("application/json")
                    ? "application/json"
                    : op.bodies().keySet().iterator().next();
            validBody = sample(op, bodyType);
        }
        Map<String, String> typed = bodyType == null ? Map.of() : Map.of("Content-Type", bodyType);

        // who: no token, a wrong token, a token of a role the operation does not allow
        Expect unauthenticated = op.open() ? Expect.NOT_A_FAULT : Expect.UNAUTHENTICATED;
        probes.add(new Probe(op, "no token", op.method(), safePath, typed, validBody, unauthenticated));
        probes.add(new Probe(
                op,
                "wrong token",
                op.method(),
                safePath,
                with(typed, "Authorization", "Bearer " + wrongToken()),
                validBody,
                unauthenticated));
        probes.add(new Probe(
                op,
                "not a bearer token",
                op.method(),
                safePath,
                with(typed, "Authorization", "Basic YWRtaW46YWRtaW4="),
                validBody,
                unauthenticated));
        String forbiddenRole = forbiddenRole(op);
        if (forbiddenRole != null) {
            probes.add(new Probe(
                    op,
                    "role " + forbiddenRole,
                    op.method(),
                    safePath,
                    with(typed, "Authorization", "Bearer " + ROLE_TOKENS.get(forbiddenRole)),
                    validBody,
                    Expect.FORBIDDEN));
        }
        Map<String, String> admin = with(typed, "Authorization", "Bearer " + adminToken);
        // a state-changing operation must refuse every one of these; a read may answer (nothing changes)
        Expect bad = op.changesState() || op.open() ? Expect.REFUSED : Expect.NOT_A_FAULT;

        // hostile path parameters
        if (!op.in("path").isEmpty()) {
            for (String id : HOSTILE_IDS) {
                probes.add(new Probe(op, "path " + id, op.method(), path(op, id), admin, validBody, bad));
            }
        }
        // another project's objects: a token of this project finds nothing there, not even that they exist
        String otherProjectPath = otherProjectPath(op);
        if (otherProjectPath != null) {
            OTHER_PROJECT_PROBES.add(op.method() + " " + op.path());
            probes.add(new Probe(
                    op,
                    "another project's ids",
                    op.method(),
                    otherProjectPath,
                    with(typed, "Authorization", "Bearer " + ownProjectToken),
                    validBody,
                    Expect.HIDDEN));
        }
        // query parameters of the wrong type, out of range, hostile text
        for (Parameter q : op.in("query")) {
            List<String> values = q.typed() ? BAD_TYPED_VALUES : op.changesState() ? List.of() : HOSTILE_TEXT;
            Expect expect = q.typed() ? Expect.REFUSED : Expect.NOT_A_FAULT;
            for (String value : values) {
                if (value.isEmpty() && (!q.typed() || op.changesState())) {
                    // an empty value may mean "not given": a valid request, which an action would carry out
                    continue;
                }
                probes.add(new Probe(
                        op,
                        "query " + q.name() + "=" + abbreviate(value),
                        op.method(),
                        safePath + (safePath.contains("?") ? "&" : "?") + q.name() + "=" + value,
                        admin,
                        validBody,
                        // an empty typed value may mean "not given"
                        value.isEmpty() ? Expect.NOT_A_FAULT : expect));
            }
        }
        // bodies
        if (bodyType != null) {
            for (Map.Entry<String, byte[]> body :
                    badBodies(op, bodyType, validBody).entrySet()) {
                probes.add(new Probe(
                        op, "body " + body.getKey(), op.method(), safePath, admin, body.getValue(), Expect.REFUSED));
            }
            String wrongType = op.bodies().containsKey("application/xml") ? "image/png" : "application/xml";
            probes.add(new Probe(
                    op,
                    "body of type " + wrongType,
                    op.method(),
                    safePath,
                    with(admin, "Content-Type", wrongType),
                    "<spec/>".getBytes(StandardCharsets.UTF_8),
                    Expect.REFUSED));
        }
        // a browser's request from another site
        if (op.changesState()) {
            probes.add(new Probe(
                    op,
                    "cross-origin",
                    op.method(),
                    safePath,
                    with(admin, "Origin", FOREIGN_ORIGIN),
                    validBody,
                    Expect.CROSS_ORIGIN));
            probes.add(new Probe(
                    op,
                    "cross-origin null",
                    op.method(),
                    safePath,
                    with(admin, "Origin", "null"),
                    validBody,
                    Expect.CROSS_ORIGIN));
            probes.add(new Probe(
                    op,
                    "reason too long",
                    op.method(),
                    safePath,
                    with(admin, "Forgeline-Reason", "r".repeat(1_001)),
                    validBody,
                    Expect.REFUSED));
        }
        // a foreign Host: without a token it is refused as any other; with one, a read must not echo it
        probes.add(new Probe(
                op,
                "foreign host",
                op.method(),
                safePath,
                with(typed, "Host", FOREIGN_HOST),
                validBody,
                unauthenticated));
        if (!op.changesState()) {
            probes.add(new Probe(
                    op,
                    "foreign host with token",
                    op.method(),
                    safePath,
                    with(admin, "Host", FOREIGN_HOST),
                    validBody,
                    Expect.NOT_A_FAULT));
        }
        // an oversized header
        probes.add(new Probe(
                op,
                "oversized header",
                op.method(),
                safePath,
                with(admin, "X-Bad-Input", "h".repeat(OVERSIZED_HEADER_BYTES)),
                validBody,
                Expect.REFUSED));
        // hostile repositories for a spec
        if (op.method().equals("POST") && op.path().equals("/specs")) {
            for (String repository : HOSTILE_REPOSITORIES) {
                probes.add(new Probe(
                        op,
                        "repository " + repository,
                        op.method(),
                        op.path(),
                        with(admin, "Content-Type", "text/markdown"),
                        spec(repository).getBytes(StandardCharsets.UTF_8),
                        Expect.REFUSED));
                probes.add(new Probe(
                        op,
                        "repository parameter " + repository,
                        op.method(),
                        op.path() + "?repository=" + URLEncoder.encode(repository, StandardCharsets.UTF_8),
                        with(admin, "Content-Type", "text/markdown"),
                        spec("https://github.com/forgeline/none.git").getBytes(StandardCharsets.UTF_8),
                        Expect.REFUSED));
            }
        }
        return probes;
    }

    /** A role the operation does not allow, from its documented 403 response; null when any token may call it. */
    private static String forbiddenRole(Operation op) {
        if (op.open() || op.path().equals("/ui/sign-out")) {
            return null;
        }
        String documented =
                op.spec().path("responses").path("403").path("description").asText("");
        List<String> roles = new ArrayList<>();
        for (String role : ROLE_TOKENS.keySet()) {
            if (documented.matches("(?s).*\\b" + role + "\\b.*")) {
                roles.add(role);
            }
        }
        if (!op.changesState() && roles.isEmpty()) {
            return null;
        }
        // the submitter may only submit; everything else a submitter calls must be refused
        for (String candidate : List.of("submitter", "worker", "reviewer")) {
            if (!roles.contains(candidate)
                    && !(candidate.equals("submitter") && op.path().startsWith("/specs"))) {
                return candidate;
            }
        }
        throw new CannotExercise("no role is refused: " + documented);
    }

    private static Map<String, byte[]> badBodies(Operation op, String bodyType, byte[] valid) {
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        bodies.put(
                "broken UTF-8",
                concat(
                        "{\"a\": \"".getBytes(StandardCharsets.UTF_8),
                        new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE},
                        "\"}".getBytes(StandardCharsets.UTF_8)));
        byte[] oversized = new byte[OVERSIZED_BODY_BYTES];
        java.util.Arrays.fill(oversized, (byte) 'a');
        oversized[0] = '"';
        oversized[oversized.length - 1] = '"';
        bodies.put("oversized", oversized);
        if (!bodyType.contains("json")) {
            return bodies;
        }
        bodies.put("broken JSON", "{\"markdown\": \"x\",".getBytes(StandardCharsets.UTF_8));
        bodies.put("not JSON", "<script>alert(1)</script>".getBytes(StandardCharsets.UTF_8));
        bodies.put("deeply nested", ("[".repeat(100_000)).getBytes(StandardCharsets.UTF_8));
        JsonNode schema = op.bodies().get(bodyType);
        String type = type(schema);
        if ("object".equals(type)) {
            bodies.put("an array for the object", "[1,2]".getBytes(StandardCharsets.UTF_8));
            JsonNode sample = readJson(valid);
            for (Iterator<Map.Entry<String, JsonNode>> it =
                            schema.path("properties").fields();
                    it.hasNext(); ) {
                Map.Entry<String, JsonNode> property = it.next();
                for (Map.Entry<String, JsonNode> wrong :
                        wrongValues(property.getValue()).entrySet()) {
                    ObjectNode body = sample.deepCopy();
                    body.set(property.getKey(), wrong.getValue());
                    bodies.put(property.getKey() + " " + wrong.getKey(), bytes(body));
                }
            }
        } else if ("array".equals(type)) {
            bodies.put("an object for the array", "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        }
        return bodies;
    }

    /** Values a property of this schema must not take: of another type, huge, negative. */
    private static Map<String, JsonNode> wrongValues(JsonNode schema) {
        Map<String, JsonNode> values = new LinkedHashMap<>();
        String type = type(schema);
        if (type == null) {
            return values;
        }
        switch (type) {
            case "string" -> {
                values.put("as an object", NODES.objectNode().put("a", 1));
                // PostgreSQL cannot store a NUL in text: a field that reaches it would fail the insert
                values.put("with a NUL character", NODES.textNode("x\u0000y"));
                if (schema.has("enum")) {
                    values.put("not one of its values", NODES.textNode("<script>alert(1)</script>"));
                }
            }
            case "integer", "number" -> {
                values.put("as text", NODES.textNode("abc"));
                values.put("huge", NODES.numberNode(new java.math.BigInteger("99999999999999999999999999")));
                values.put("as an object", NODES.objectNode());
                if (schema.has("minimum") && schema.get("minimum").asDouble() >= 0) {
                    values.put("negative", NODES.numberNode(-1));
                }
            }
            case "boolean" -> values.put("as text", NODES.textNode("maybe"));
            case "array" -> values.put("as an object", NODES.objectNode().put("a", 1));
            case "object" -> values.put("as an array", NODES.arrayNode().add(1).add(2));
            default -> {}
        }
        return values;
    }

    /** A body of the operation's schema with every property given a plausible value. */
    private static byte[] sample(Operation op, String bodyType) {
        JsonNode schema = op.bodies().get(bodyType);
        if (!bodyType.contains("json")) {
            return spec("https://github.com/forgeline/none.git").getBytes(StandardCharsets.UTF_8);
        }
        JsonNode value = sampleValue(op, schema, 0);
        return bytes(value);
    }

    private static JsonNode sampleValue(Operation op, JsonNode schema, int depth) {
        if (schema.has("enum") && schema.get("enum").size() > 0) {
            return schema.get("enum").get(0);
        }
        String type = type(schema);
        if (type == null) {
            throw new CannotExercise("a body schema without a type: " + schema);
        }
        return switch (type) {
            case "object" -> {
                ObjectNode object = NODES.objectNode();
                if (depth < 6) {
                    schema.path("properties")
                            .fields()
                            .forEachRemaining(p -> object.set(p.getKey(), sampleValue(op, p.getValue(), depth + 1)));
                }
                yield object;
            }
            case "array" -> NODES.arrayNode();
            case "integer", "number" -> NODES.numberNode(1);
            case "boolean" -> NODES.booleanNode(false);
            case "string" ->
                NODES.textNode(
                        switch (schema.path("format").asText("")) {
                            case "date" -> "2026-01-05";
                            case "date-time" -> "2026-01-05T00:00:00Z";
                            default -> "bad input";
                        });
            default -> throw new CannotExercise("a body schema of type " + type);
        };
    }

    /**
     * The operation's path with every path parameter filled from the other project's objects (a spec, its task, its
     * review and merge, another spec's decision), or null when one of them names something else (a node, a breaker).
     */
    private static String otherProjectPath(Operation op) {
        if (op.in("path").isEmpty()) {
            return null;
        }
        String path = op.path();
        for (Parameter p : op.in("path")) {
            String name = p.name();
            if (name.equals("id")) {
                // the id of what the path's first segment names
                name = op.path().startsWith("/specs/")
                        ? "specId"
                        : op.path().startsWith("/decisions/")
                                ? "decisionId"
                                : op.path().startsWith("/merges/") ? "mergeId" : name;
            }
            String value = OTHER_PROJECT_IDS.get(name);
            if (value == null) {
                return null;
            }
            path = path.replace("{" + p.name() + "}", value);
        }
        return path;
    }

    /**
     * A spec of {@link #OTHER_PROJECT}, accepted and settled in every service before the first snapshot, whose ids the
     * other-project probes name.
     */
    private static void submitTheOtherProjectsSpec() throws IOException {
        Path repository = ScratchFiles.targetRepository(WORK.resolve("elsewhere-repo"), "another project");
        JsonNode submitted = stack.client().submit(spec(repository.toString()), Map.of("project", OTHER_PROJECT));
        String specId = submitted.path("id").asText();
        assertThat(specId).as("the other project's spec: %s", submitted).isNotBlank();
        OTHER_PROJECT_IDS.put("specId", specId);
        OTHER_PROJECT_IDS.put("taskId", "hello");
        // a second spec whose vague task waits for a person's decision
        String vagueSpec = "# Spec: Bad input, vague\nRepository: " + repository + "\nBase-branch: main\n\n"
                + "## Task: vague - Improve things\nMake it better.\nTest command: sh test/hello_test.sh\n";
        JsonNode vague = stack.client().submit(vagueSpec, Map.of("project", OTHER_PROJECT));
        String vagueSpecId = vague.path("id").asText();
        assertThat(vagueSpecId).as("the other project's vague spec: %s", vague).isNotBlank();
        // the simulated worker runs the first spec's task and the review merges it
        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    JsonNode decision = find(ServiceKind.PLANNER, "/decisions", "specId", vagueSpecId);
                    JsonNode merge = find(ServiceKind.REVIEW, "/merges", "specId", specId);
                    if (decision == null
                            || merge == null
                            || merge.path("mergeId").isNull()) {
                        return false;
                    }
                    OTHER_PROJECT_IDS.put("decisionId", decision.path("id").asText());
                    OTHER_PROJECT_IDS.put("mergeId", merge.path("mergeId").asText());
                    return true;
                });
    }

    /** The item of an admin's list read whose {@code field} is {@code value}; null when none is. */
    private static JsonNode find(ServiceKind service, String read, String field, String value)
            throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(stack.url(service) + read))
                        .header("Authorization", "Bearer " + adminToken)
                        .timeout(Duration.ofSeconds(60))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            return null;
        }
        for (JsonNode item : JSON.readTree(response.body())) {
            if (value.equals(item.path(field).asText())) {
                return item;
            }
        }
        return null;
    }

    private static String path(Operation op, String id) {
        String path = op.path();
        for (Parameter p : op.in("path")) {
            path = path.replace("{" + p.name() + "}", id);
        }
        if (path.contains("{")) {
            throw new CannotExercise("a path parameter the document does not declare: " + path);
        }
        return path;
    }

    private static String spec(String repository) {
        return """
                # Spec: Bad input
                Repository: %s
                Base-branch: main

                ## Task: hello - Greeting
                Add a greeting script that prints a greeting, so that users are greeted.
                Files: lib/hello.sh
                Inputs: none
                Outputs: the greeting on standard output
                Acceptance: sh test/hello_test.sh prints PASS
                Test command: sh test/hello_test.sh
                Estimate: 2m
                """.formatted(repository);
    }

    // ---- sending and judging ----

    record Answer(int status, String contentType, String body) {}

    private static Answer send(Probe probe) throws IOException, InterruptedException {
        if (probe.headers().containsKey("Host") || oversized(probe)) {
            // the JDK client will not send another Host, and does not keep its timeout while it waits for a
            // 100 Continue: speak HTTP/1.1 on a socket
            return sendRaw(probe);
        }
        Answer answer = sendOnce(probe);
        // a pooled connection the server has just closed fails the request before it is sent: once more, anew
        for (int retry = 0; retry < 2 && answer.status() < 0; retry++) {
            answer = sendOnce(probe);
        }
        return answer;
    }

    private static Answer sendOnce(Probe probe) throws IOException, InterruptedException {
        URI uri = URI.create(stack.url(probe.op().service()) + probe.pathAndQuery());
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(90))
                .method(
                        probe.method(),
                        probe.body() == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(probe.body()));
        probe.headers().forEach(request::header);
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(
                    response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""),
                    response.body());
        } catch (IOException e) {
            // a server that closes the connection on a request it will not read has answered nothing
            return new Answer(-1, "", "no answer: " + e);
        }
    }

    private static boolean oversized(Probe probe) {
        return probe.body() != null && probe.body().length >= OVERSIZED_BODY_BYTES;
    }

    /**
     * One request on its own connection. An oversized body is announced with {@code Expect: 100-continue} and sent
     * only on a 100: the server refuses it by its length and closes the connection, and an answer that arrives
     * while the body is still being sent would be lost in the reset.
     */
    private static Answer sendRaw(Probe probe) throws IOException {
        URI base = stack.url(probe.op().service());
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(90_000);
            boolean ask = oversized(probe);
            StringBuilder head = new StringBuilder(probe.method() + " " + probe.pathAndQuery() + " HTTP/1.1\r\n");
            if (!probe.headers().containsKey("Host")) {
                head.append("Host: ")
                        .append(base.getHost())
                        .append(':')
                        .append(base.getPort())
                        .append("\r\n");
            }
            probe.headers()
                    .forEach((name, value) ->
                            head.append(name).append(": ").append(value).append("\r\n"));
            byte[] body = probe.body() == null ? new byte[0] : probe.body();
            head.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n");
            head.append(ask ? "Expect: 100-continue\r\n\r\n" : "\r\n");
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(head.toString().getBytes(StandardCharsets.UTF_8));
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            if (ask) {
                out.flush();
                String interim = readHead(in, received);
                if (!interim.startsWith("HTTP/1.1 100")) {
                    received.writeBytes(in.readAllBytes());
                    return parse(received.toString(StandardCharsets.UTF_8));
                }
                received.reset();
            }
            out.write(body);
            out.flush();
            received.writeBytes(in.readAllBytes());
            return parse(received.toString(StandardCharsets.UTF_8));
        }
    }

    /** Reads up to the end of a response head (an empty line); returns it, and keeps every byte in received. */
    private static String readHead(InputStream in, ByteArrayOutputStream received) throws IOException {
        int b;
        while ((b = in.read()) >= 0) {
            received.write(b);
            String text = received.toString(StandardCharsets.ISO_8859_1);
            if (text.endsWith("\r\n\r\n")) {
                return text;
            }
        }
        return received.toString(StandardCharsets.ISO_8859_1);
    }

    private static Answer parse(String response) {
        if (response.isEmpty()) {
            return new Answer(-1, "", "no answer: the connection closed");
        }
        int end = response.indexOf("\r\n\r\n");
        String[] lines = (end < 0 ? response : response.substring(0, end)).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        String contentType = "";
        boolean chunked = false;
        for (String line : lines) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-type:")) {
                contentType = line.substring("content-type:".length()).strip();
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        String rest = end < 0 ? "" : response.substring(end + 4);
        return new Answer(status, contentType, chunked ? dechunk(rest) : rest);
    }

    private static String dechunk(String chunked) {
        StringBuilder body = new StringBuilder();
        int at = 0;
        while (at < chunked.length()) {
            int lineEnd = chunked.indexOf("\r\n", at);
            if (lineEnd < 0) {
                break;
            }
            int size = Integer.parseInt(
                    chunked.substring(at, lineEnd).split(";")[0].strip(), 16);
            if (size == 0) {
                break;
            }
            // sizes count bytes; the bodies here are ASCII JSON
            body.append(chunked, lineEnd + 2, Math.min(chunked.length(), lineEnd + 2 + size));
            at = lineEnd + 2 + size + 2;
        }
        return body.toString();
    }

    /** Null when the answer is what the probe's expectation allows, else what is wrong with it. */
    private static String judge(Probe probe, Answer answer) {
        String what = probe.op() + " [" + probe.variant() + "] answered " + answer.status() + " " + answer.contentType()
                + ": " + abbreviate(answer.body());
        int status = answer.status();
        if (status < 100 || status >= 500) {
            return what;
        }
        if (probe.op().page() && status == 303 && probe.expect() == Expect.UNAUTHENTICATED) {
            return null; // the review pages send a person to the sign-in form
        }
        if (status >= 400) {
            String problemFault = problemFault(answer);
            if (problemFault != null) {
                return what + " (" + problemFault + ")";
            }
        }
        JsonNode problem = status >= 400 ? readJson(answer.body().getBytes(StandardCharsets.UTF_8)) : null;
        return switch (probe.expect()) {
            case UNAUTHENTICATED ->
                status == 401 && problem.path("type").asText().equals(UNAUTHENTICATED)
                        ? null
                        : what + " (expected 401 " + UNAUTHENTICATED + ")";
            case FORBIDDEN ->
                status == 403 && problem.path("type").asText().equals(FORBIDDEN)
                        ? null
                        : what + " (expected 403 " + FORBIDDEN + ")";
            case CROSS_ORIGIN ->
                status == 403 && problem.path("type").asText().equals(CROSS_ORIGIN)
                        ? null
                        : what + " (expected 403 " + CROSS_ORIGIN + ")";
            case REFUSED -> status >= 400 ? null : what + " (expected a 4xx refusal)";
            case HIDDEN ->
                status == 404 || (status == 403 && problem.path("type").asText().equals(FORBIDDEN))
                        ? null
                        : what + " (expected 404: the object belongs to another project)";
            case NOT_A_FAULT ->
                status >= 200 && status < 300 && echoesForeignHost(probe, answer)
                        ? what + " (the answer carries the foreign Host)"
                        : null;
        };
    }

    private static boolean echoesForeignHost(Probe probe, Answer answer) {
        return probe.headers().containsKey("Host") && answer.body().contains(FOREIGN_HOST);
    }

    /** What is wrong with a 4xx answer as an RFC 9457 problem; null when nothing. */
    private static String problemFault(Answer answer) {
        if (!answer.contentType().startsWith(PROBLEM_JSON)) {
            return "not " + PROBLEM_JSON;
        }
        JsonNode problem;
        try {
            problem = JSON.readTree(answer.body());
        } catch (IOException e) {
            return "the problem is not JSON";
        }
        for (String field : List.of("type", "title", "detail")) {
            if (!problem.path(field).isTextual() || problem.path(field).asText().isBlank()) {
                return "no " + field;
            }
        }
        if (problem.path("status").asInt() != answer.status()) {
            return "status " + problem.path("status") + " is not the answer's";
        }
        return null;
    }

    // ---- the state ----

    /** What the read APIs show, with the fields that move by themselves (heartbeats, ages) left out. */
    private static Map<String, JsonNode> snapshot() throws IOException, InterruptedException {
        Map<String, JsonNode> state = new TreeMap<>();
        Map<ServiceKind, List<String>> reads = Map.of(
                ServiceKind.PLANNER, List.of("/specs", "/decisions", "/audit?limit=1000"),
                ServiceKind.DISPATCHER, List.of("/nodes", "/tasks", "/breakers", "/dispatch", "/audit?limit=1000"),
                ServiceKind.REVIEW, List.of("/reviews", "/merges", "/reviews/backlog", "/audit?limit=1000"),
                ServiceKind.METRICS, List.of("/audit?limit=1000"));
        for (Map.Entry<ServiceKind, List<String>> service : reads.entrySet()) {
            for (String read : service.getValue()) {
                HttpResponse<String> response = http.send(
                        HttpRequest.newBuilder(URI.create(stack.url(service.getKey()) + read))
                                .header("Authorization", "Bearer " + adminToken)
                                .timeout(Duration.ofSeconds(60))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode())
                        .as("%s %s: %s", service.getKey(), read, response.body())
                        .isEqualTo(200);
                state.put(service.getKey() + " " + read, stable(JSON.readTree(response.body())));
            }
        }
        return state;
    }

    /**
     * What moves without any request: a node's heartbeats (and the registration a worker renews), the dispatcher's
     * supervision window after its start.
     */
    private static final Set<String> MOVING = Set.of("nodeHeartbeatAt", "lastSeenAt", "registeredAt", "supervision");

    private static JsonNode stable(JsonNode node) {
        if (node instanceof ObjectNode object) {
            ObjectNode copy = NODES.objectNode();
            object.fields().forEachRemaining(f -> {
                if (!MOVING.contains(f.getKey())) {
                    copy.set(f.getKey(), stable(f.getValue()));
                }
            });
            return copy;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode copy = NODES.arrayNode();
            array.forEach(e -> copy.add(stable(e)));
            return copy;
        }
        return node;
    }

    // ---- output ----

    private static void printTable(
            Map<ServiceKind, List<Operation>> operations,
            Map<ServiceKind, Integer> sent,
            Map<ServiceKind, Map<Integer, AtomicInteger>> byStatus,
            long seconds) {
        StringBuilder table = new StringBuilder("\nbad-input suite (" + seconds + " s)\n");
        table.append(String.format("%-11s %10s %9s  %s%n", "service", "operations", "requests", "by status"));
        int totalOps = 0;
        int totalSent = 0;
        for (ServiceKind service : operations.keySet()) {
            StringBuilder statuses = new StringBuilder();
            byStatus.get(service)
                    .forEach((status, count) -> statuses.append(status < 0 ? "no answer" : status)
                            .append(": ")
                            .append(count.get())
                            .append("  "));
            table.append(String.format(
                    "%-11s %10d %9d  %s%n",
                    service.name().toLowerCase(Locale.ROOT),
                    operations.get(service).size(),
                    sent.get(service),
                    statuses.toString().strip()));
            totalOps += operations.get(service).size();
            totalSent += sent.get(service);
        }
        table.append(String.format("%-11s %10d %9d%n", "total", totalOps, totalSent));
        table.append("probed with another project's ids (")
                .append(OTHER_PROJECT_PROBES.size())
                .append("): ")
                .append(String.join(", ", new java.util.TreeSet<>(OTHER_PROJECT_PROBES)))
                .append('\n');
        System.out.println(table);
    }

    // ---- helpers ----

    private static Map<String, String> with(Map<String, String> headers, String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return copy;
    }

    private static String wrongToken() {
        byte[] random = new byte[32];
        new java.security.SecureRandom().nextBytes(random);
        return "fl_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode readJson(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            return NODES.missingNode();
        }
    }

    private static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\s+", " ");
        return oneLine.length() > 160 ? oneLine.substring(0, 160) + "..." : oneLine;
    }
}
