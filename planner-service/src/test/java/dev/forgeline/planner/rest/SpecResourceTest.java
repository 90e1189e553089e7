package dev.forgeline.planner.rest;

import static dev.forgeline.planner.SpecFixtures.MARKDOWN;
import static dev.forgeline.planner.SpecFixtures.THREE_TASKS;
import static dev.forgeline.planner.SpecFixtures.utf8;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.planner.GitFixture;
import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.problem.ProblemMappers;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.OpenApiContract;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class SpecResourceTest {
    private static final String PROBLEM_JSON = "application/problem+json";
    private static final String INVALID_SPEC = "https://forgeline.dev/problems/invalid-spec";

    private static Path repository;

    /** A fresh repository per test: a spec submitted again under the same name is a revision. */
    @BeforeEach
    void createRepositories() throws IOException {
        Path root = Files.createTempDirectory("spec-resource-test");
        repository = GitFixture.repository(root.resolve("textkit"));
    }

    @Test
    void healthIsUp() {
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() ->
                        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP")));
    }

    @Test
    void openApiDocumentListsEveryEndpointAndTheProblemsTheyReallyAnswer() {
        OpenApiContract openApi = OpenApiContract.of(given().get("/q/openapi?format=json")
                .then()
                .statusCode(200)
                .extract()
                .asString());
        openApi.assertListsExactly(OpenApiContract.declaredOperations(
                Path.of("target", "classes"),
                "dev.forgeline.planner",
                SpecResourceTest.class.getClassLoader(),
                "")); // the service excludes nothing
        openApi.assertProblemSchemaMatches(Problem.class, Problem.ProblemError.class);
        assertThat(openApi.document().path("info").path("title").asText()).isEqualTo("Forgeline planner API");

        // documented: 400 invalid-spec for an unknown format; answered: the same status, type and media type
        openApi.assertDocumentsProblem("POST /specs", 400, INVALID_SPEC);
        given().contentType(MARKDOWN)
                .queryParam("format", "no-such-format")
                .queryParam("repository", repository.toString())
                .body(utf8(THREE_TASKS))
                .post("/specs")
                .then()
                .statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("type", equalTo(INVALID_SPEC))
                .body("errors[0].field", equalTo("format"));
        openApi.assertDocumentsProblem("GET /specs/{id}", 404, "about:blank");
        given().get("/specs/no-such-spec")
                .then()
                .statusCode(404)
                .contentType(PROBLEM_JSON)
                .body("type", equalTo("about:blank"));
        openApi.assertDocumentsProblem("POST /decisions/{id}", 409, "https://forgeline.dev/problems/decision-refused");
        // a content type no form of POST /specs accepts: the documented 415 about:blank problem
        openApi.assertDocumentsProblem("POST /specs", 415, "about:blank");
        given().contentType("image/png")
                .body(new byte[] {1, 2, 3})
                .post("/specs")
                .then()
                .statusCode(415)
                .contentType(PROBLEM_JSON)
                .body("type", equalTo("about:blank"));
    }

    @Test
    void createsTheTaskGraphAndAnnouncesOnlyTasksWithoutDependencies() {
        String id = given().contentType(MARKDOWN)
                .queryParam("repository", repository.toString())
                .body(utf8(THREE_TASKS))
                .when()
                .post("/specs")
                .then()
                .statusCode(201)
                .contentType(ContentType.JSON)
                .body("id", matchesPattern("text-kit-utilities-[0-9a-f]{8}"))
                .body("tasks.taskId", contains("T1", "T2", "T3"))
                .extract()
                .path("id");

        given().get("/specs/" + id)
                .then()
                .statusCode(200)
                .body("id", equalTo(id))
                .body("name", equalTo("Text kit utilities"))
                .body("repository", equalTo("file://" + repository))
                .body("baseBranch", equalTo("main"))
                .body("createdAt", matchesPattern("\\d{4}-\\d\\d-\\d\\dT.*Z"))
                .body("counts", equalTo(Map.of("READY", 2, "PLANNED", 1)))
                .body("tasks.taskId", contains("T1", "T2", "T3"))
                .body("tasks.title", contains("Add slugify", "Add truncate", "Combine"))
                .body("tasks.state", contains("READY", "READY", "PLANNED"))
                .body("tasks[2].dependsOn", contains("T1", "T2"))
                .body("tasks.attempt", contains(0, 0, 0))
                .body("tasks[0].failureClass", nullValue())
                .body("tasks[0].reviewLevel", nullValue())
                .body("tasks[0].mergeCommit", nullValue());

        try (TestKafka kafka = TestKafka.forApplication()) {
            List<Envelope> ready =
                    kafka.await(Topics.TASKS_READY, e -> id.equals(e.specId()), 2, Duration.ofSeconds(30));
            assertThat(ready).extracting(Envelope::taskId).containsExactlyInAnyOrder("T1", "T2");
            assertThat(ready).allMatch(e -> e.eventType() == EventType.TASK_READY);

            TaskReady t1 = ready.stream()
                    .filter(e -> e.taskId().equals("T1"))
                    .findFirst()
                    .orElseThrow()
                    .payloadAs(TaskReady.class);
            assertThat(t1.specId()).isEqualTo(id);
            assertThat(t1.specName()).isEqualTo("Text kit utilities");
            assertThat(t1.title()).isEqualTo("Add slugify");
            assertThat(t1.description()).isEqualTo("Turn titles into URL slugs.");
            assertThat(t1.acceptance()).containsExactly("lowercases the input", "replaces spaces with dashes");
            assertThat(t1.testCommand()).isEqualTo("sh test/t1_test.sh");
            assertThat(t1.estimateSeconds()).isEqualTo(600);
            assertThat(t1.repository()).isEqualTo("file://" + repository);
            assertThat(t1.baseBranch()).isEqualTo("main");
            assertThat(t1.dependsOn()).isEmpty();

            TaskReady t2 = ready.stream()
                    .filter(e -> e.taskId().equals("T2"))
                    .findFirst()
                    .orElseThrow()
                    .payloadAs(TaskReady.class);
            assertThat(t2.estimateSeconds()).isEqualTo(15 * 60); // forgeline.planner.default-estimate

            // T3 waits for its dependencies: nothing else for this spec reaches the topic
            assertThat(kafka.readAll(Topics.TASKS_READY, Duration.ofSeconds(2)))
                    .filteredOn(e -> id.equals(e.specId()))
                    .extracting(Envelope::taskId)
                    .containsExactlyInAnyOrder("T1", "T2");
        }
    }

    @Test
    void locationHeaderPointsAtTheNewSpec() {
        ValidatableResponse created = given().contentType(MARKDOWN)
                .queryParam("repository", repository.toString())
                .body(utf8(THREE_TASKS))
                .when()
                .post("/specs")
                .then()
                .statusCode(201);
        String id = created.extract().path("id");

        created.header("Location", endsWith("/specs/" + id));
        given().get(created.extract().header("Location")).then().statusCode(200).body("id", equalTo(id));
    }

    @Test
    void listsSpecsNewestFirstWithTheirCounts() throws IOException {
        String older = createSpec();
        String newer = createSpec();

        List<String> ids =
                given().get("/specs").then().statusCode(200).extract().path("id");
        assertThat(ids).containsSubsequence(newer, older);
        given().get("/specs")
                .then()
                .body("find { it.id == '" + newer + "' }.name", equalTo("Text kit utilities"))
                .body("find { it.id == '" + newer + "' }.counts", equalTo(Map.of("READY", 2, "PLANNED", 1)));
    }

    @Test
    void acceptsJsonAndTheRepositoryLineOfTheSpecAndStoresItsFileUrl() {
        String spec = """
                # Another spec
                Repository: %s/../textkit/.
                ## Task: only - The only task
                Print the word hello on standard output so that the smoke test has something to check.
                Acceptance: prints hello
                Test command: true
                """.formatted(repository);

        given().contentType(ContentType.JSON)
                .body(Map.of("markdown", spec))
                .when()
                .post("/specs")
                .then()
                .statusCode(201)
                .body("name", equalTo("Another spec"))
                .body("id", matchesPattern("another-spec-[0-9a-f]{8}"))
                .body("repository", equalTo("file://" + repository))
                .body("tasks.state", contains("READY"));

        given().contentType(ContentType.JSON)
                .body(Map.of("markdown", THREE_TASKS, "repository", repository.toString(), "baseBranch", "main"))
                .when()
                .post("/specs")
                .then()
                .statusCode(201)
                .body("repository", equalTo("file://" + repository))
                .body("tasks[2].title", equalTo("Combine"));
    }

    @Test
    void plainTextWithABaseBranchQueryParameterThatOverridesTheSpec() {
        GitFixture.git(repository, "branch", "-f", "release");

        given().contentType("text/plain; charset=UTF-8")
                .queryParam("repository", repository.toString())
                .queryParam("baseBranch", "release")
                .body(utf8(THREE_TASKS))
                .when()
                .post("/specs")
                .then()
                .statusCode(201)
                .body("baseBranch", equalTo("release"));
    }

    @Test
    void invalidSpecsAreRefusedWithEveryFaultAndCreateNothing() {
        int before = specCount();

        invalid("", null).body("errors", hasSize(1)).body("errors[0].message", equalTo("the spec is empty"));

        // prose is free-form: without an LLM planner it is refused with the formats that need none
        given().contentType(MARKDOWN)
                .queryParam("repository", repository.toString())
                .body(utf8("# Spec: prose only\nNo tasks here.\n"))
                .when()
                .post("/specs")
                .then()
                .statusCode(422)
                .contentType(PROBLEM_JSON)
                .body("type", equalTo("https://forgeline.dev/problems/format-needs-llm"))
                .body("detail", org.hamcrest.Matchers.containsString("forgeline, speckit, kiro"))
                .body("errors[0].line", equalTo(1));
        invalid("# Spec: prose only\nNo tasks here.\n", repository.toString(), "forgeline")
                .body("errors.message", contains("the spec has no '## Task:' sections"));

        invalid("""
                # Spec: Broken
                ## Task: T1 - a
                Depends-on: T2
                Estimate: later
                ## Task: T2 - b
                Depends-on: T1, nope
                Test command: true
                ## Task: T2 - again
                Test command: true
                ## Task: T3 - self
                Depends-on: T3
                Test command: true
                ## Task: bad#id - x
                Test command: true
                """, repository.toString())
                .body("detail", equalTo("the spec has 7 errors; the first: task T1 has no Test command"))
                .body("errors.line", contains(2, 3, 4, 6, 8, 11, 13))
                .body(
                        "errors.message",
                        contains(
                                "task T1 has no Test command",
                                "dependency cycle: T1 -> T2 -> T1",
                                "Estimate 'later' is not a duration such as 90s, 10m, 1h or 1h30m",
                                "task T2 depends on unknown task 'nope'",
                                "duplicate task id 'T2' (first declared on line 5)",
                                "task T3 depends on itself",
                                "task id 'bad#id' is invalid: it must match [A-Za-z0-9][A-Za-z0-9._-]*"))
                .body(
                        "errors.field",
                        contains("Test command", "Depends-on", "Estimate", "Depends-on", "Task", "Depends-on", "Task"));

        invalid(THREE_TASKS, null)
                .body(
                        "errors.message",
                        contains("no repository: add a 'Repository:' line before the first task "
                                + "or pass the repository query parameter"))
                .body("errors[0].field", equalTo("Repository"));

        Path missing = repository.resolveSibling("missing");
        invalid("# S\nRepository: " + missing + "\n## Task: T1 - x\nTest command: true\nPriority: x\n", null)
                .body(
                        "errors.message",
                        contains(
                                "repository " + missing + " does not exist or is not a git repository",
                                "Priority 'x' is not an integer"))
                .body("errors.line", contains(2, 5));

        invalid(
                        "# S\nRepository: " + repository + "\nBase-branch: nope\n## Task: T1 - x\nPriority: x\n"
                                + "Test command: true\n",
                        null)
                .body("errors.line", contains(3, 5))
                .body(
                        "errors.message",
                        contains(
                                "base branch 'nope' does not exist in repository " + repository,
                                "Priority 'x' is not an integer"));

        given().contentType(ContentType.JSON)
                .body(Map.of("repository", repository.toString()))
                .when()
                .post("/specs")
                .then()
                .statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("errors.message", contains("the spec is empty"));

        assertThat(specCount()).isEqualTo(before);
    }

    @Test
    void aSpecOverTheSizeLimitIs413() {
        byte[] huge = utf8(THREE_TASKS + "x".repeat(1_048_577));

        given().contentType(MARKDOWN)
                .queryParam("repository", repository.toString())
                .body(huge)
                .when()
                .post("/specs")
                .then()
                .statusCode(413)
                .contentType(PROBLEM_JSON)
                .body("title", equalTo("Spec too large"))
                .body("type", equalTo("https://forgeline.dev/problems/spec-too-large"));
    }

    @Test
    void anUnknownSpecIs404() {
        given().get("/specs/no-such-spec-00000000")
                .then()
                .statusCode(404)
                .contentType(PROBLEM_JSON)
                .body("status", equalTo(404))
                .body("detail", equalTo("spec 'no-such-spec-00000000' does not exist"));
    }

    @Test
    void valuesOverTheSpecLimitsAreFaultsNamingTheFieldAndLineAndCreateNothing() {
        int before = specCount();
        StringBuilder labels = new StringBuilder("Labels: ");
        for (int i = 0; i < 33; i++) {
            labels.append(i == 0 ? "" : ", ").append("k").append(i).append("=v");
        }
        String spec = "# Spec: Limits\n"
                + "## Task: T1 - " + "t".repeat(501) + "\n"
                + "Test command: true\n"
                + "## Task: T2 - labelled\n"
                + labels + "\n"
                + "Test command: true\n"
                + "## Task: T3 - long\n"
                + "Estimate: 169h\n"
                + "Test command: true\n"
                + "## Task: T4 - wordy\n"
                + "d".repeat(65_537) + "\n"
                + "Test command: true\n";
        invalid(spec, repository.toString())
                .body("errors.line", contains(2, 4, 7, 10))
                .body("errors.field", contains("Title", "Labels", "Estimate", "Description"))
                .body(
                        "errors.message",
                        contains(
                                "task T1: Title has 501 characters; the limit is 500",
                                "task T2 has 33 labels; the limit is 32",
                                "task T3 is estimated at 608400s; the limit is 604800s (168h): split the task",
                                "task T4: Description has 65537 characters; the limit is 65536"));

        // lint reports the same faults
        given().contentType(MARKDOWN)
                .body(utf8(spec))
                .when()
                .post("/specs/lint")
                .then()
                .statusCode(200)
                .body("valid", equalTo(false))
                .body("errors.field", contains("Title", "Labels", "Estimate", "Description"));

        StringBuilder many = new StringBuilder("# Spec: Many\n");
        for (int i = 1; i <= 1001; i++) {
            many.append("## Task: T").append(i).append(" - t\nTest command: true\n");
        }
        invalid(many.toString(), repository.toString())
                .body("errors.line", contains(2002))
                .body("errors.field", contains("Task"))
                .body(
                        "errors.message",
                        contains("the spec has 1001 tasks; the limit is 1000 (task T1001 is the first over it): "
                                + "split the spec"));
        assertThat(specCount()).isEqualTo(before);
    }

    @Test
    void aBodyThatIsNotJsonIs400NamingWhere() {
        given().contentType(ContentType.JSON)
                .body("{\"markdown\": \"# S\",\n  \"repository\": ")
                .when()
                .post("/specs")
                .then()
                .statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("type", equalTo("https://forgeline.dev/problems/invalid-json"))
                .body("detail", containsString("the body is not valid JSON (line 2"))
                .body("errors[0].line", equalTo(2));
    }

    @Test
    void aJsonValueOfTheWrongTypeIs400NamingTheField() {
        given().contentType(ContentType.JSON)
                .body("{\"markdown\": {\"nested\": true}}")
                .when()
                .post("/specs")
                .then()
                .statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("type", equalTo("https://forgeline.dev/problems/invalid-json"))
                .body("detail", startsWith("field 'markdown': expected a string"))
                .body("errors[0].field", equalTo("markdown"));

        given().contentType(ContentType.JSON)
                .body("{\"name\": \"n\", \"count\": \"many\"}")
                .when()
                .post("/test-probes/problems/body")
                .then()
                .statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("detail", startsWith("field 'count': expected a number"))
                .body("errors[0].field", equalTo("count"));
    }

    @Test
    void aNulCharacterInAJsonStringIs400NamingTheFieldAndStoresNothing() {
        int before = specCount();
        given().contentType(ContentType.JSON)
                .body("{\"markdown\": \"# Spec: Nul\\u0000\\n## Task: T1 - t\\nTest command: true\\n\", "
                        + "\"repository\": \"" + repository + "\"}")
                .when()
                .post("/specs")
                .then()
                .statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("type", equalTo("https://forgeline.dev/problems/invalid-json"))
                .body("detail", startsWith("field 'markdown': contains a NUL character"))
                .body("errors[0].field", equalTo("markdown"));
        assertThat(specCount()).isEqualTo(before);
    }

    @Test
    void anUnknownEnumValueIs400ListingTheAcceptedOnes() {
        given().contentType(ContentType.JSON)
                .body("{\"name\": \"n\", \"colour\": \"PURPLE\", \"count\": 1}")
                .when()
                .post("/test-probes/problems/body")
                .then()
                .statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("detail", startsWith("field 'colour': 'PURPLE' is not one of RED, GREEN"))
                .body("errors[0].field", equalTo("colour"));
        given().contentType(ContentType.JSON)
                .body("{\"name\": \"n\", \"colour\": \"RED\", \"count\": 1}")
                .when()
                .post("/test-probes/problems/body")
                .then()
                .statusCode(200)
                .body("colour", equalTo("RED"));
    }

    @Test
    void aParameterThatDoesNotConvertIs400NamingIt() {
        given().get("/test-probes/problems/typed/7?count=abc")
                .then()
                .statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("type", equalTo("https://forgeline.dev/problems/invalid-parameter"))
                .body("detail", startsWith("'count' has a value of the wrong type"))
                .body("errors[0].field", equalTo("count"))
                .body("errors[0].message", equalTo("'abc' is not a valid value"));
        given().get("/test-probes/problems/typed/7?day=2026-13-01")
                .then()
                .statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("errors[0].field", equalTo("day"));
        given().get("/test-probes/problems/typed/seven")
                .then()
                .statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("errors[0].field", equalTo("n"));
        given().get("/test-probes/problems/typed/7?count=3&day=2026-01-05")
                .then()
                .statusCode(200)
                .body(equalTo("7 3 2026-01-05"));
    }

    /** JAX-RS reads any text but "true" as false: the operation would run with the opposite of what was asked. */
    @Test
    void aBooleanParameterThatIsNeitherTrueNorFalseIs400() {
        for (String value : new String[] {"yes", "1", "abc"}) {
            given().get("/test-probes/problems/flag?on=" + value)
                    .then()
                    .statusCode(400)
                    .contentType(PROBLEM_JSON)
                    .body("type", equalTo("https://forgeline.dev/problems/invalid-parameter"))
                    .body("detail", equalTo("'on' must be true or false"))
                    .body("errors[0].field", equalTo("on"))
                    .body("errors[0].message", equalTo("'" + value + "' is not true or false"));
        }
        given().get("/test-probes/problems/flag?on=TRUE").then().statusCode(200).body(equalTo("true"));
        given().get("/test-probes/problems/flag?on=false")
                .then()
                .statusCode(200)
                .body(equalTo("false"));
        given().get("/test-probes/problems/flag").then().statusCode(200).body(equalTo("false"));
    }

    /** PostgreSQL cannot hold a NUL: an id with one would fail the query (500) instead of being a bad request. */
    @Test
    void aNulInAnIdOrAQueryParameterIs400() {
        given().urlEncodingEnabled(false)
                .get("/specs/a%00b")
                .then()
                .statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("type", equalTo("https://forgeline.dev/problems/invalid-parameter"))
                .body("detail", equalTo("the path contains a NUL character (%00)"))
                .body("instance", equalTo("/specs/a?b"));
        given().urlEncodingEnabled(false)
                .get("/decisions?all=%00")
                .then()
                .statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("errors[0].field", equalTo("all"));
        given().get("/specs/no-such-spec").then().statusCode(404).contentType(PROBLEM_JSON);
    }

    @TestHTTPResource("/specs")
    URI specsUri;

    /** A request line over 4 KiB: refused before any resource runs, with a problem naming the limit. */
    @Test
    void aRequestLineOverTheLimitIsA414Problem() {
        given().queryParam("filter", "x".repeat(10_000))
                .get("/specs")
                .then()
                .statusCode(414)
                .contentType(PROBLEM_JSON)
                .body("type", equalTo("https://forgeline.dev/problems/request-line-too-long"))
                .body("status", equalTo(414))
                .body("detail", containsString("limit of 4096"));
    }

    /** Headers over 20 KiB: refused with a problem, the header not echoed. */
    @Test
    void headersOverTheLimitAreA431Problem() {
        String big = "y".repeat(64 * 1024);
        String body = given().header("X-Padding", big)
                .get("/specs")
                .then()
                .statusCode(431)
                .contentType(PROBLEM_JSON)
                .body("type", equalTo("https://forgeline.dev/problems/request-headers-too-large"))
                .body("status", equalTo(431))
                .extract()
                .asString();
        assertThat(body).doesNotContain(big.substring(0, 100));
    }

    /**
     * Over the HTTP server's own limit (10 MiB), refused by its Content-Length before any resource reads it: a
     * problem, not a bare 413. The request asks first (100-continue) and sends no body: the service answers on the
     * head and closes the connection.
     */
    @Test
    void aBodyOverTheServersLimitIsA413Problem() throws Exception {
        String response;
        try (Socket socket = new Socket(specsUri.getHost(), specsUri.getPort())) {
            socket.setSoTimeout(60_000);
            socket.getOutputStream()
                    .write(("POST /specs HTTP/1.1\r\nHost: " + specsUri.getHost() + "\r\nContent-Type: " + MARKDOWN
                                    + "\r\nContent-Length: 10485761\r\nExpect: 100-continue\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(response).startsWith("HTTP/1.1 413").containsIgnoringCase("content-type: " + PROBLEM_JSON);
        JsonPath problem = new JsonPath(response.substring(response.indexOf("\r\n\r\n") + 4));
        assertThat(problem.getString("type")).isEqualTo("https://forgeline.dev/problems/body-too-large");
        assertThat(problem.getString("title")).isEqualTo("Request body too large");
        assertThat(problem.getString("detail"))
                .contains("of 10485761 bytes is over this service's limit of 10485760 bytes");
        assertThat(problem.getString("instance")).isEqualTo("/specs");
    }

    @Test
    void anUnsupportedMediaTypeIs415AndAWrongMethodIs405() {
        given().contentType("image/png")
                .body(new byte[] {1, 2, 3})
                .when()
                .post("/specs")
                .then()
                .statusCode(415)
                .contentType(PROBLEM_JSON)
                .body("detail", equalTo("/specs does not take a body of Content-Type image/png"))
                .body("errors[0].field", equalTo("Content-Type"));

        given().when()
                .delete("/specs")
                .then()
                .statusCode(405)
                .contentType(PROBLEM_JSON)
                .body("status", equalTo(405))
                .body("detail", startsWith("DELETE is not allowed on /specs"));
    }

    @Test
    void anUnknownPathIs404ProblemJson() {
        given().get("/no/such/path")
                .then()
                .statusCode(404)
                .contentType(PROBLEM_JSON)
                .body("status", equalTo(404))
                .body("instance", equalTo("/no/such/path"));
        given().get("/specs/a/b/c")
                .then()
                .statusCode(404)
                .contentType(PROBLEM_JSON)
                .body("status", equalTo(404));
    }

    @Test
    void anUnexpectedFailureIs500WithAnIdTheLogAlsoHasAndWithoutItsMessage() {
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(ProblemMappers.class.getName());
        log.addHandler(capture);
        try {
            String body = given().get("/test-probes/problems/fail")
                    .then()
                    .statusCode(500)
                    .contentType(PROBLEM_JSON)
                    .body("type", equalTo("https://forgeline.dev/problems/internal-error"))
                    .body("detail", matchesPattern("the service failed to answer; report error id [0-9a-f-]{36} .*"))
                    .extract()
                    .asString();
            assertThat(body).doesNotContain("secret-path", "SELECT", "IllegalStateException", "at dev.forgeline");
            String id = JsonPath.from(body).getString("detail").replaceAll(".*error id ([0-9a-f-]{36}).*", "$1");
            // the log line carries the same id and the exception with its stack trace
            assertThat(logged).anySatisfy(record -> {
                assertThat(((org.jboss.logmanager.ExtLogRecord) record).getFormattedMessage())
                        .contains("error " + id + ": GET /test-probes/problems/fail failed");
                assertThat(record.getThrown()).hasMessageContaining("secret-path");
            });
        } finally {
            log.removeHandler(capture);
        }
    }

    private static ValidatableResponse invalid(String markdown, String repositoryParameter) {
        return invalid(markdown, repositoryParameter, null);
    }

    private static ValidatableResponse invalid(String markdown, String repositoryParameter, String format) {
        var request = given().contentType(MARKDOWN).body(utf8(markdown));
        if (format != null) {
            request.queryParam("format", format);
        }
        if (repositoryParameter != null) {
            request.queryParam("repository", repositoryParameter);
        }
        return request.when()
                .post("/specs")
                .then()
                .statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("type", equalTo(INVALID_SPEC))
                .body("title", equalTo("Invalid spec"))
                .body("status", equalTo(400))
                .body("instance", equalTo("/specs"));
    }

    /** A spec of the same name in a repository of its own: a new spec, not a revision. */
    private static String createSpec() throws IOException {
        Path own = GitFixture.repository(
                Files.createTempDirectory("spec-resource-test").resolve("textkit"));
        return given().contentType(MARKDOWN)
                .queryParam("repository", own.toString())
                .body(utf8(THREE_TASKS))
                .when()
                .post("/specs")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    private static int specCount() {
        return given().get("/specs").then().statusCode(200).extract().path("size()");
    }
}
