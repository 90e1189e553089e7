package dev.forgeline.planner.rest;

import static dev.forgeline.planner.SpecFixtures.MARKDOWN;
import static dev.forgeline.planner.SpecFixtures.THREE_TASKS;
import static dev.forgeline.planner.SpecFixtures.utf8;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.forgeline.planner.GitFixture;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.GitHttpServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The target repository of a spec, checked with {@code git ls-remote} against a real smart-HTTP git server:
 * every fault has its own problem type and says nothing git said.
 */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class RepositoryValidationTest {
    private static final String PROBLEM_JSON = "application/problem+json";
    private static final String PROBLEMS = "https://forgeline.dev/problems/";
    /** The planner's test profile reads the token of host 127.0.0.1 from this file. */
    private static final Path TOKEN_FILE = Path.of(System.getProperty("java.io.tmpdir"), "forgeline-test-git-token");

    private static final String TOKEN = "planner-token-4c1e99";

    private static GitHttpServer server;

    @BeforeAll
    static void startServer() {
        server = GitHttpServer.start();
    }

    @AfterAll
    static void stopServer() throws IOException {
        server.close();
        Files.deleteIfExists(TOKEN_FILE);
    }

    private static String repository(String prefix) {
        String name = prefix + "-" + System.nanoTime();
        server.createRepository(name, Map.of("README.md", "served\n"));
        return name;
    }

    private static ValidatableResponse submit(String repository, String baseBranch) {
        var request = given().contentType(MARKDOWN).queryParam("repository", repository);
        if (baseBranch != null) {
            request.queryParam("baseBranch", baseBranch);
        }
        return request.body(utf8(THREE_TASKS)).when().post("/specs").then();
    }

    private static ValidatableResponse problem(String repository, String baseBranch, int status, String type) {
        return submit(repository, baseBranch)
                .statusCode(status)
                .contentType(PROBLEM_JSON)
                .body("type", equalTo(PROBLEMS + type))
                .body("status", equalTo(status))
                .body("instance", equalTo("/specs"))
                .body("detail", not(containsString("fatal")));
    }

    @Test
    void aSpecOnAnHttpRepositoryIsStoredWithItsNormalisedUrl() {
        String name = repository("served");

        submit(server.url(name) + "/", null).statusCode(201).body("repository", equalTo(server.url(name)));
    }

    @Test
    void aRepositoryThatNeedsATokenIsCheckedWithTheTokenOfItsHost() throws IOException {
        String name = repository("private");
        server.requireToken(name, TOKEN);

        Files.writeString(TOKEN_FILE, "not-the-token\n");
        problem(server.url(name), null, 422, "repository-credentials-rejected")
                .body("title", equalTo("Repository credentials rejected"))
                .body("detail", containsString("host '127.0.0.1'"))
                .body("detail", not(containsString("not-the-token")))
                .body("errors[0].field", equalTo("Repository"));

        Files.writeString(TOKEN_FILE, TOKEN + "\n");
        submit(server.url(name), null).statusCode(201);
    }

    @Test
    void aMissingRepositoryIsNotFound() {
        problem(server.url("no-such-repository"), null, 422, "repository-not-found")
                .body("title", equalTo("Repository not found"))
                .body(
                        "detail",
                        equalTo("repository 127.0.0.1:" + server.port()
                                + "/no-such-repository.git does not exist or is not a git repository"));
    }

    @Test
    void aMissingBaseBranchHasItsOwnProblem() {
        String name = repository("branches");

        problem(server.url(name), "release", 422, "base-branch-missing")
                .body("title", equalTo("Base branch missing"))
                .body("errors[0].field", equalTo("Base-branch"))
                .body(
                        "detail",
                        equalTo("base branch 'release' does not exist in repository 127.0.0.1:" + server.port() + "/"
                                + name + ".git"));
    }

    @Test
    void aHostThatDoesNotAnswerIsUnreachable() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }

        problem("http://127.0.0.1:" + port + "/gone.git", null, 422, "repository-unreachable")
                .body("title", equalTo("Repository unreachable"));
    }

    @Test
    void aServerErrorDuringTheCheckIsRetried() {
        String name = repository("flaky");
        server.failNext(1, 503);

        submit(server.url(name), null).statusCode(201);
    }

    @Test
    void anAddressWithCredentialsOrOfAnUnknownKindIsAnInvalidUrl() {
        problem("https://user:hunter2secret@github.com/org/repo.git", null, 400, "invalid-repository-url")
                .body("title", equalTo("Invalid repository URL"))
                .body("detail", not(containsString("hunter2secret")))
                .body("detail", containsString("credentials come from forgeline.git.hosts"));
        problem("ext::sh", null, 400, "invalid-repository-url")
                .body("detail", containsString("transport 'ext::' is not allowed"));
    }

    /**
     * A relative path would resolve against the planner's working directory, which may itself be a checkout (the
     * service's own repository, whose main the spec's merges would then land on).
     */
    @Test
    void aRelativePathIsRefusedNotResolvedAgainstThePlannersDirectory() {
        int before = given().get("/specs")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("$")
                .size();
        for (String relative : new String[] {".", "..", "../", "./", "repo", "../../etc"}) {
            problem(relative, null, 400, "invalid-repository-url")
                    .body("detail", containsString("'" + relative + "' is a relative path"))
                    .body("errors[0].field", equalTo("Repository"));
        }
        given().contentType(MARKDOWN)
                .body(utf8(THREE_TASKS.replaceFirst("(?m)^# (.*)$", "# $1\nRepository: ..")))
                .when()
                .post("/specs")
                .then()
                .statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("type", equalTo(PROBLEMS + "invalid-repository-url"))
                .body("detail", containsString("'..' is a relative path"));
        // nothing stored
        given().get("/specs").then().statusCode(200).body("size()", equalTo(before));
    }

    @Test
    void aLocalPathIsCheckedAndStoredAsTheFileUrlOfItsAbsolutePath() throws IOException {
        Path root = Files.createTempDirectory("repository-validation");
        Path repository = GitFixture.repository(root.resolve("local"));
        Path plain = Files.createDirectories(root.resolve("plain"));
        Path inside = Files.createDirectories(repository.resolve("src"));

        submit("file://" + repository, null).statusCode(201).body("repository", equalTo("file://" + repository));
        Path bare = GitFixture.repository(root.resolve("given-as-a-path"));
        submit(bare.toString(), null).statusCode(201).body("repository", equalTo("file://" + bare));
        for (Path notARepository : new Path[] {root.resolve("missing"), plain, inside}) {
            problem(notARepository.toString(), null, 422, "repository-not-found")
                    .body(
                            "errors.message",
                            contains("repository " + notARepository + " does not exist or is not a git repository"));
        }
    }
}
