package dev.forgeline.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's parsing, exit codes, error lines and token lookup, run in process against real HTTP. */
class ForgelineCliTest {
    @TempDir
    Path home;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private HttpServer server;
    private final List<HttpServer> moreServers = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
        moreServers.forEach(s -> s.stop(0));
    }

    private int run(Map<String, String> env, String... args) {
        out.reset();
        err.reset();
        CliContext ctx = new CliContext(
                home,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                env);
        return ForgelineCli.commandLine(ctx).execute(args);
    }

    private int run(String... args) {
        return run(Map.of(), args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void tokenCreateTakesAnExpiryThroughTheCommandLine() {
        assertThat(run("token", "create", "ci", "--role", "submitter", "--expires", "2999-01-31"))
                .as(err())
                .isZero();
        assertThat(out()).contains("expires at 2999-01-31T00:00:00Z");
        assertThat(run("token", "list")).isZero();
        assertThat(out()).contains("EXPIRES", "2999-01-31T00:00:00Z");
        assertThat(run("token", "create", "ci", "--role", "submitter", "--expires", "whenever"))
                .isEqualTo(2);
        assertThat(err()).contains("--expires 'whenever'");
    }

    @Test
    void helpInEveryFormExitsZeroAndPrintsTheUsage() {
        for (String[] args : List.of(
                new String[] {"help"},
                new String[] {"--help"},
                new String[] {"-h"},
                new String[] {"help", "reviews"},
                new String[] {"submit", "--help"},
                new String[] {"decisions", "answer", "-h"},
                new String[] {"tasks", "show", "--help"},
                new String[] {"status", "--help"},
                new String[] {"worker", "--help"})) {
            assertThat(run(args)).as(String.join(" ", args)).isZero();
            assertThat(out()).as(String.join(" ", args)).startsWith("Usage: forgeline");
        }
        run("help");
        assertThat(out())
                .contains(
                        "decisions", "reviews", "tasks", "nodes", "breakers", "holds", "audit", "completion", "submit");
        run("decisions", "answer", "--help");
        assertThat(out()).contains("--choice=CHOICE", "--comment=TEXT", "--json", "--token-file=FILE");
    }

    @Test
    void versionIsTheProjectVersion() throws IOException {
        assertThat(run("--version")).isZero();
        String version;
        try (var in = getClass().getResourceAsStream("/forgeline-version.properties")) {
            var props = new java.util.Properties();
            props.load(in);
            version = props.getProperty("version");
        }
        assertThat(version).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(out().strip()).isEqualTo("forgeline " + version);
        assertThat(run("nodes", "list", "--version")).isZero();
        assertThat(out().strip()).isEqualTo("forgeline " + version);
    }

    @Test
    void anUnknownOptionOrAMissingArgumentExitsTwoWithOneLineSayingWhat() {
        assertThat(run("submit", "--bogus", "spec.md")).isEqualTo(2);
        assertThat(err().lines())
                .containsExactly("forgeline submit: Unknown option: '--bogus' (forgeline submit --help)");
        assertThat(out()).isEmpty();

        assertThat(run("reviews", "reject", "s1", "t1")).isEqualTo(2);
        assertThat(err().lines()).hasSize(1);
        assertThat(err()).contains("forgeline reviews reject: Missing required option: '--comment=TEXT'");

        assertThat(run("decisions")).isEqualTo(2);
        assertThat(err()).contains("Missing required subcommand");

        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err()).contains("Unmatched argument", "'frobnicate'");

        assertThat(run("tasks", "show", "no-slash")).isEqualTo(2);
        assertThat(err()).contains("forgeline tasks show: name the task as SPEC TASK or SPEC/TASK, not 'no-slash'");
    }

    @Test
    void optionsMayComeBeforeTheSpecFile() throws IOException {
        List<String> paths = new CopyOnWriteArrayList<>();
        String planner = serve(201, "application/json", "{\"id\":\"s-1\",\"name\":\"N\",\"tasks\":[]}", paths, null);
        Path spec = Files.writeString(home.resolve("spec.md"), "# Spec: N\n");
        assertThat(run(
                        Map.of("FORGELINE_PLANNER_URL", planner),
                        "submit",
                        "--repo",
                        "https://example.org/r.git",
                        spec.toString()))
                .as(err())
                .isZero();
        assertThat(out()).startsWith("spec s-1 (N): 0 tasks");
        assertThat(paths).containsExactly("POST /specs?repository=https%3A%2F%2Fexample.org%2Fr.git");
    }

    @Test
    void aServiceThatDoesNotAnswerIsNamedWithItsUrl() throws IOException {
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String url = "http://localhost:" + port;
        assertThat(run(Map.of("FORGELINE_DISPATCHER_URL", url), "nodes", "list"))
                .isEqualTo(1);
        assertThat(err().lines())
                .containsExactly("error: no dispatcher-service answers at " + url
                        + " (ConnectException); is the stack running? (./forgeline up)");
    }

    @Test
    void aProblemAnswerIsReportedWithItsTitleAndDetail() throws IOException {
        String review = serve(
                409,
                "application/problem+json",
                "{\"type\":\"https://forgeline.dev/problems/review-not-pending\",\"title\":\"Review not pending\","
                        + "\"status\":409,\"detail\":\"the review of s/t is APPROVED\"}",
                new CopyOnWriteArrayList<>(),
                null);
        assertThat(run(Map.of("FORGELINE_REVIEW_URL", review), "reviews", "approve", "s/t"))
                .isEqualTo(1);
        assertThat(err().lines())
                .containsExactly("error: " + review
                        + "/reviews/s/t/approve answered 409: Review not pending: the review of s/t is APPROVED");
    }

    @Test
    void jsonPrintsTheApisAnswerAndEveryRequestCarriesTheToken() throws IOException {
        List<String> authorizations = new CopyOnWriteArrayList<>();
        String dispatcher = serve(
                200,
                "application/json",
                "{\"paused\":true,\"reasons\":[\"manual pause: maintenance\"],\"supervision\":null}",
                new CopyOnWriteArrayList<>(),
                authorizations);
        Map<String, String> env = Map.of("FORGELINE_DISPATCHER_URL", dispatcher, "FORGELINE_TOKEN", "t-env");
        assertThat(run(env, "holds", "list", "--json")).isZero();
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out());
        assertThat(json.path("paused").asBoolean()).isTrue();
        assertThat(json.path("reasons").get(0).asText()).isEqualTo("manual pause: maintenance");

        assertThat(run(env, "holds", "list")).isZero();
        assertThat(out()).isEqualTo("dispatch is held\n  manual pause: maintenance\n");
        assertThat(authorizations).containsExactly("Bearer t-env", "Bearer t-env");
    }

    @Test
    void theTokenComesFromTheEnvironmentThenTheTokenFileThenTheStacksAdminToken() throws IOException {
        CliContext noEnv = new CliContext(home, System.out, System.err, Map.of());
        CliContext withEnv = new CliContext(home, System.out, System.err, Map.of("FORGELINE_TOKEN", " from-env\n"));
        Path tokenFile = Files.writeString(home.resolve("my-token"), "from-file\n");
        Path admin = home.resolve(".forgeline/stack/admin-token");

        assertThat(noEnv.token(null)).as("nothing known").isNull();

        Files.createDirectories(admin.getParent());
        Files.writeString(admin, "from-stack\n");
        assertThat(noEnv.token(null)).isEqualTo("from-stack");
        assertThat(noEnv.token(tokenFile)).isEqualTo("from-file");
        assertThat(withEnv.token(tokenFile)).isEqualTo("from-env");
        assertThat(withEnv.token(null)).isEqualTo("from-env");

        // the token file is read for every command, through the same lookup
        List<String> authorizations = new CopyOnWriteArrayList<>();
        String dispatcher = serve(200, "application/json", "[]", new CopyOnWriteArrayList<>(), authorizations);
        assertThat(run(
                        Map.of("FORGELINE_DISPATCHER_URL", dispatcher),
                        "breakers",
                        "list",
                        "--token-file",
                        tokenFile.toString()))
                .isZero();
        assertThat(run(Map.of("FORGELINE_DISPATCHER_URL", dispatcher), "breakers", "list"))
                .isZero();
        assertThat(authorizations).containsExactly("Bearer from-file", "Bearer from-stack");

        assertThat(run(
                        Map.of("FORGELINE_DISPATCHER_URL", dispatcher),
                        "breakers",
                        "list",
                        "--token-file",
                        home.resolve("missing").toString()))
                .isEqualTo(1);
        assertThat(err()).startsWith("error: cannot read the token file " + home.resolve("missing"));
    }

    @Test
    void auditMergesTheServicesTrailsNewestFirstAndPassesTheFilters() throws IOException {
        List<String> requests = new CopyOnWriteArrayList<>();
        String planner = answering("""
                [{"id":3,"at":"2026-12-04T10:05:00Z","actor":"ana","roles":["submitter"],"action":"spec.submit",
                  "target":"s1","reason":null,"details":{}}]""", requests, null);
        String dispatcher = answering("""
                [{"id":9,"at":"2026-12-04T10:07:00Z","actor":"ops","roles":["operator"],"action":"node.cordon",
                  "target":"gpu-1","reason":"disk swap","details":{"status":"CORDONED"}},
                 {"id":8,"at":"2026-12-04T10:01:00Z","actor":"ops","roles":["operator"],"action":"dispatch.pause",
                  "target":null,"reason":null,"details":{}}]""", requests, null);
        String review = answering("[]", requests, null);
        Map<String, String> env = Map.of(
                "FORGELINE_PLANNER_URL", planner,
                "FORGELINE_DISPATCHER_URL", dispatcher,
                "FORGELINE_REVIEW_URL", review,
                "FORGELINE_METRICS_URL", "http://localhost:1");

        assertThat(run(env, "audit", "--since", "1h", "--actor", "ops", "--limit", "2"))
                .isZero();
        assertThat(out().lines().toList())
                .hasSize(2)
                .satisfies(lines -> assertThat(lines.get(0))
                        .startsWith("2026-12-04T10:07:00Z")
                        .contains("dispatcher", "ops", "node.cordon", "gpu-1", "(disk swap)"))
                .satisfies(lines -> assertThat(lines.get(1)).contains("planner", "ana", "spec.submit", "s1"));
        assertThat(requests).containsOnly("GET /audit?since=1h&actor=ops&limit=2");
        assertThat(requests).hasSize(3);
        // the metrics service does not answer: named, the others still listed
        assertThat(err()).startsWith("warning: no metrics-service answers at http://localhost:1");

        requests.clear();
        assertThat(run(env, "audit", "--service", "dispatcher", "--json")).isZero();
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out());
        assertThat(json).hasSize(2);
        assertThat(json.get(0).path("service").asText()).isEqualTo("dispatcher");
        assertThat(json.get(0).path("action").asText()).isEqualTo("node.cordon");
        assertThat(json.get(1).path("action").asText()).isEqualTo("dispatch.pause");
        assertThat(requests).containsExactly("GET /audit?limit=100");

        assertThat(run(env, "audit", "--service", "worker")).isEqualTo(2);
        assertThat(err()).contains("--service must be planner, dispatcher, review or metrics");
    }

    @Test
    void anActionCommandSendsItsReasonInTheForgelineReasonHeader() throws IOException {
        List<String> reasons = new CopyOnWriteArrayList<>();
        String dispatcher = answering(
                "{\"name\":\"gpu-1\",\"status\":\"CORDONED\",\"labels\":{}}", new CopyOnWriteArrayList<>(), reasons);
        Map<String, String> env = Map.of("FORGELINE_DISPATCHER_URL", dispatcher);
        assertThat(run(env, "nodes", "cordon", "gpu-1", "--reason", "disk swap"))
                .isZero();
        assertThat(run(env, "nodes", "uncordon", "gpu-1")).isZero();
        assertThat(reasons).containsExactly("disk swap", "null");
    }

    @Test
    void completionPrintsABashScriptThatKnowsTheCommands() {
        assertThat(run("completion")).isZero();
        assertThat(out()).startsWith("#!/usr/bin/env bash").contains("complete -F", "decisions", "request-changes");
    }

    /** A real HTTP server answering every request with one response; records "METHOD path?query" and the token. */
    private String serve(
            int status, String contentType, String body, List<String> requests, List<String> authorizations)
            throws IOException {
        server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        server.createContext("/", exchange -> {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
            if (authorizations != null) {
                authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", contentType);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return "http://localhost:" + server.getAddress().getPort();
    }

    /** Another real HTTP server answering 200 JSON; records "METHOD path?query" and the Forgeline-Reason header. */
    private String answering(String body, List<String> requests, List<String> reasons) throws IOException {
        HttpServer other = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        other.createContext("/", exchange -> {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
            if (reasons != null) {
                reasons.add(String.valueOf(exchange.getRequestHeaders().getFirst("Forgeline-Reason")));
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        other.start();
        moreServers.add(other);
        return "http://localhost:" + other.getAddress().getPort();
    }
}
