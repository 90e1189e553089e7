package dev.forgeline.systemtest;

import static dev.forgeline.systemtest.ScratchFiles.deleteRecursively;
import static dev.forgeline.systemtest.ScratchFiles.git;
import static dev.forgeline.systemtest.ScratchFiles.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.stack.ForgelineClient;
import dev.forgeline.stack.LocalStack;
import dev.forgeline.stack.ServiceKind;
import dev.forgeline.testsupport.GitHttpServer;
import dev.forgeline.testsupport.github.FakeGitHub;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Forgeline spread over hosts that share no directory, each host a loopback address of its own: the git host
 * (127.0.0.3: a git server with token authentication and a GitHub API over the same repositories), the services'
 * host (127.0.0.1: planner, dispatcher, review and metrics with the broker and the database) and two worker hosts
 * (127.0.0.4 and 127.0.0.5, each with its own workspace). Specs name their repository only by its http URL; nobody
 * but the git host sees its repositories' directory, so every clone, fetch, push and merge crosses the network.
 * One stack serves both merge modes: repository {@code acme/direct} merges directly, {@code acme/reviewed} through
 * pull requests that need the check {@code ci/test}, which this test reports as CI does.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiHostIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Path HOME = ScratchFiles.HOME;
    private static final Path WORK = HOME.resolve("system-test/target/multi-host");
    private static final String GIT_HOST = "127.0.0.3";
    private static final String SERVICES_HOST = "127.0.0.1";
    private static final List<String> WORKER_HOSTS = List.of("127.0.0.4", "127.0.0.5");
    private static final String DIRECT = "acme/direct";
    private static final String REVIEWED = "acme/reviewed";
    private static final String REQUIRED_CHECK = "ci/test";
    private static final String BOT = "forgeline-bot";
    private static final String REVIEWER = "alice";
    private static final String CI = "ci-runner";
    private static final String BOT_TOKEN = "bot-" + UUID.randomUUID();
    private static final String REVIEWER_TOKEN = "alice-" + UUID.randomUUID();
    private static final String CI_TOKEN = "ci-" + UUID.randomUUID();

    private static GitHttpServer git;
    private static FakeGitHub github;
    private static LocalStack stack;
    private static ForgelineClient client;
    private static final List<WorkerHost> workers = new ArrayList<>();

    @BeforeAll
    static void startHosts() throws IOException {
        for (String address : List.of(GIT_HOST, WORKER_HOSTS.get(0), WORKER_HOSTS.get(1))) {
            assumeTrue(
                    canListenOn(address),
                    "this machine does not answer on " + address + " (Linux routes all of 127.0.0.0/8 to the loopback"
                            + " interface; elsewhere add the address as a loopback alias): the multi-host test"
                            + " cannot give each host its own address");
        }
        deleteRecursively(WORK);

        // the git host: repositories served over smart HTTP with a token, and a GitHub API over them
        git = GitHttpServer.start(InetAddress.getByName(GIT_HOST)).requireToken(BOT_TOKEN);
        github = FakeGitHub.start(git, BOT_TOKEN, BOT)
                .addToken(REVIEWER_TOKEN, REVIEWER)
                .addToken(CI_TOKEN, CI);
        for (String name : List.of(DIRECT, REVIEWED)) {
            git.createRepository(name, Map.of("README.md", "# " + name + "\n"));
        }
        github.requireChecks(REVIEWED, "main", REQUIRED_CHECK);

        // the services' host: its own directory, the git host's token in a file of its own
        Path servicesHost = Files.createDirectories(WORK.resolve("services-host"));
        Path token = Files.writeString(servicesHost.resolve("git-token"), BOT_TOKEN + "\n");
        // a properties file reads ':' as the end of the key: the port's colon is escaped
        String reviewed = "forgeline.review.repositories.\"" + GIT_HOST + "\\:" + git.port() + "/" + REVIEWED + "\".";
        Path config = Files.writeString(
                servicesHost.resolve("forgeline.properties"),
                String.join(
                        "\n",
                        "forgeline.git.hosts.\"" + GIT_HOST + "\".token-file=" + token,
                        reviewed + "merge-mode=pull-request",
                        reviewed + "hosting=github",
                        reviewed + "api-url=" + github.apiUrl(),
                        "forgeline.review.pull-requests.poll-interval=500ms",
                        "forgeline.review.workspace=" + servicesHost.resolve("review"),
                        "forgeline.metrics.retention.mirrors=" + servicesHost.resolve("metrics-mirrors"),
                        ""));
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_CONFIG_LOCATIONS", config.toString());
        env.put("QUARKUS_HTTP_HOST", SERVICES_HOST);
        stack = LocalStack.start(
                // capacity 0: no worker on the services' host, the two below join from their own hosts
                new LocalStack.Options(HOME, servicesHost.resolve("stack"), false, "none", 0, "simulated", env),
                message -> System.out.println("[multi-host] " + message));
        client = stack.client();

        URI dispatcher = URI.create("http://" + SERVICES_HOST + ":"
                + stack.url(ServiceKind.DISPATCHER).getPort());
        for (int i = 0; i < WORKER_HOSTS.size(); i++) {
            String address = WORKER_HOSTS.get(i);
            workers.add(WorkerHost.start(
                    HOME,
                    "worker-host-" + (i + 1),
                    InetAddress.getByName(address),
                    WORK.resolve("worker-host-" + (i + 1)),
                    dispatcher,
                    stack.kafkaBootstrapServers(),
                    GIT_HOST,
                    BOT_TOKEN,
                    stack));
        }
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> workers.stream().allMatch(WorkerHost::isReady));
    }

    @AfterAll
    static void stopHosts() {
        workers.forEach(WorkerHost::close);
        if (stack != null) {
            stack.close();
        }
        if (github != null) {
            github.close();
        }
        if (git != null) {
            git.close();
        }
    }

    /** Merge mode direct: the review service merges in its own clone and pushes main to the git host. */
    @Test
    @Order(1)
    void aSpecNamingItsRepositoryByUrlEndsMergedOnTheServedMainInDependencyOrder() {
        String specId = client.submit("""
                # Spec: Across hosts
                Base-branch: main

                ## Task: T1 - Greeting
                Add a greeting function.
                Acceptance: prints a greeting
                Test command: sh test/t1_test.sh
                Estimate: 2m

                ## Task: T2 - Farewell
                Add a farewell function.
                Acceptance: prints a farewell
                Test command: sh test/t2_test.sh
                Estimate: 2m

                ## Task: T3 - Conversation
                Combine greeting and farewell.
                Depends-on: T1, T2
                Acceptance: prints both
                Test command: sh test/t3_test.sh
                Estimate: 2m
                """, git.url(DIRECT)).path("id").asText();

        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(states(specId))
                        .as("task states of %s", specId)
                        .containsExactly("T1=MERGED", "T2=MERGED", "T3=MERGED"));

        Path clone = cloneServed(DIRECT, "direct-clone");
        List<Merge> merges = merges(clone, specId);
        assertThat(merges).extracting(Merge::taskId).containsExactlyInAnyOrder("T1", "T2", "T3");
        assertThat(merges.get(2).taskId()).as("the dependent task merges last").isEqualTo("T3");
        assertBuiltOnItsDependencies(clone, merges, "T3", "T1", "T2");
        // the merged work is on the served main and its tests pass there
        for (String test : List.of("test/t1_test.sh", "test/t2_test.sh", "test/t3_test.sh")) {
            assertThat(run(clone, "sh", test)).as(test).isZero();
        }
        // T1 and T2 were ready together and each worker has one slot: both worker hosts did work
        assertRanOnTheWorkerHosts(specId, List.of("T1", "T2", "T3"), 2);
    }

    /**
     * Merge mode pull-request: every attempt waits in a pull request on the git host's API. CI (this test) fails
     * the required check on T1's first head, so T1 runs again and its second attempt merges; the auth task is
     * level 2 and merges once a person approves its pull request there.
     */
    @Test
    @Order(2)
    void inPullRequestModeAFailedRequiredCheckSendsTheTaskBackAndALevelTwoChangeMergesOnceApprovedOnItsPullRequest() {
        String specId = client.submit("""
                # Spec: Across hosts, reviewed
                Base-branch: main

                ## Task: T1 - Greeting
                Add a greeting function.
                Acceptance: prints a greeting
                Test command: sh test/t1_test.sh
                Estimate: 2m

                ## Task: auth - Login banner
                Print the banner the login screen of the auth module shows, so that users see which system they log into.
                Files: lib/auth.sh
                Inputs: none
                Outputs: the banner text on standard output
                Acceptance: sh test/auth_test.sh prints PASS
                Test command: sh test/auth_test.sh
                Estimate: 2m

                ## Task: T3 - Conversation
                Combine the greeting and the banner.
                Depends-on: T1, auth
                Acceptance: prints both
                Test command: sh test/t3_test.sh
                Estimate: 2m
                """, git.url(REVIEWED)).path("id").asText();

        Ci ci = new Ci(specId, "T1");
        await().atMost(Duration.ofMinutes(4))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    ci.actOnOpenPullRequests();
                    assertThat(states(specId))
                            .as("task states of %s; CI reported %s", specId, ci.reported)
                            .containsExactly("T1=MERGED", "auth=MERGED", "T3=MERGED");
                });

        // T1: the failed check on the first head sent it back; the second attempt passed and merged
        assertThat(ci.reported)
                .as("CI's verdict per pull request head")
                .containsEntry("T1/a1", "failure")
                .containsEntry("T1/a2", "success")
                .doesNotContainKey("T1/a3");
        JsonNode t1 = review(specId, "T1");
        JsonNode t1Attempts = t1.path("attempts");
        assertThat(t1Attempts).as("%s", t1).hasSize(2);
        assertThat(t1Attempts.get(0).path("reviewState").asText()).isEqualTo("FAILED");
        // the worker's own test run passed; the review failed the attempt on CI's check, with CI's words
        assertThat(t1Attempts.get(0).path("succeeded").asBoolean()).isTrue();
        assertThat(t1Attempts.get(0).path("decisionReason").asText())
                .contains("required check " + REQUIRED_CHECK + " failed", "1 test failed: greeting printed nothing");
        assertThat(t1Attempts.get(1).path("reviewState").asText()).isEqualTo("MERGED");
        assertThat(t1Attempts.get(1).path("fencingToken").asLong())
                .isGreaterThan(t1Attempts.get(0).path("fencingToken").asLong());
        JsonNode firstPull = pullRequestOf(specId, "T1", 1);
        assertThat(firstPull.path("state").asText()).isEqualTo("closed");
        assertThat(firstPull.path("merged").asBoolean()).isFalse();

        // auth: level 2, approved by the reviewer on its pull request, merged through the API
        JsonNode auth = review(specId, "auth");
        assertThat(auth.path("level").asInt()).as("%s", auth).isEqualTo(2);
        assertThat(auth.path("decidedBy").asText()).isEqualTo(REVIEWER);
        assertThat(ci.approved).containsExactly("auth/a1");
        JsonNode authPull = pullRequestOf(specId, "auth", 1);
        assertThat(authPull.path("merged").asBoolean()).isTrue();
        assertThat(authPull.path("labels").findValuesAsText("name")).contains("forgeline-level-2");

        // the served main: one merge per task, T1's from its second attempt, the dependent task last and built on
        // both of its dependencies
        Path clone = cloneServed(REVIEWED, "reviewed-clone");
        List<Merge> merges = merges(clone, specId);
        assertThat(merges).extracting(Merge::taskId).containsExactlyInAnyOrder("T1", "auth", "T3");
        assertThat(merges.get(2).taskId()).isEqualTo("T3");
        assertThat(merges.stream()
                        .filter(m -> m.taskId().equals("T1"))
                        .findFirst()
                        .orElseThrow()
                        .attempt())
                .isEqualTo("2");
        assertBuiltOnItsDependencies(clone, merges, "T3", "T1", "auth");
        for (String test : List.of("test/t1_test.sh", "test/auth_test.sh", "test/t3_test.sh")) {
            assertThat(run(clone, "sh", test)).as(test).isZero();
        }
        // T1's two attempts and auth's were all made on the worker hosts
        assertRanOnTheWorkerHosts(specId, List.of("T1", "auth", "T3"), 1);
    }

    /**
     * The test as CI and as the reviewer on the git host's API: a status {@code ci/test} on every new head of an
     * open pull request (failure on the first head of one task, success otherwise), and an approving review on the
     * auth task's pull request once Forgeline has triaged it at level 2 and waits for a person.
     */
    private static final class Ci {
        private final String specId;
        private final String failFirstHeadOf;
        /** {@code <task>/a<attempt>} -> the state reported on its head. */
        final Map<String, String> reported = new ConcurrentHashMap<>();

        final Set<String> approved = new TreeSet<>();

        Ci(String specId, String failFirstHeadOf) {
            this.specId = specId;
            this.failFirstHeadOf = failFirstHeadOf;
        }

        void actOnOpenPullRequests() throws Exception {
            JsonNode open = api("GET", "/repos/" + REVIEWED + "/pulls?state=open&per_page=100", null, CI_TOKEN);
            for (JsonNode pull : open) {
                String ref = pull.path("head").path("ref").asText();
                String prefix = "forgeline/" + specId + "/";
                if (!ref.startsWith(prefix)) {
                    continue;
                }
                String attempt = ref.substring(prefix.length()); // <task>/a<n>
                String sha = pull.path("head").path("sha").asText();
                if (!reported.containsKey(attempt)) {
                    String state = attempt.equals(failFirstHeadOf + "/a1") ? "failure" : "success";
                    Map<String, Object> status = new LinkedHashMap<>();
                    status.put("state", state);
                    status.put("context", REQUIRED_CHECK);
                    status.put(
                            "description",
                            state.equals("failure") ? "1 test failed: greeting printed nothing" : "all tests passed");
                    status.put("target_url", "http://ci.example/" + attempt);
                    api("POST", "/repos/" + REVIEWED + "/statuses/" + sha, status, CI_TOKEN);
                    reported.put(attempt, state);
                }
                if (attempt.startsWith("auth/") && !approved.contains(attempt)) {
                    JsonNode review = review(specId, "auth");
                    if (review.path("level").asInt() == 2
                            && review.path("state").asText().equals("PENDING")) {
                        api(
                                "POST",
                                "/repos/" + REVIEWED + "/pulls/"
                                        + pull.path("number").asInt() + "/reviews",
                                Map.of("event", "APPROVE", "body", "banner reviewed"),
                                REVIEWER_TOKEN);
                        approved.add(attempt);
                    }
                }
            }
        }
    }

    // ---- what the hosts show -------------------------------------------------------------------------------

    /** A merge on main's first-parent line: the task and attempt of the commit it brought in (its second parent). */
    private record Merge(String commit, String attemptCommit, String taskId, String attempt) {}

    /** The merges of {@code specId}'s tasks on main of a clone, oldest first. */
    private static List<Merge> merges(Path clone, String specId) {
        List<Merge> merges = new ArrayList<>();
        for (String line : git(clone, "log", "--first-parent", "--merges", "--reverse", "--format=%H %P", "main")
                .split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.strip().split(" ");
            String attemptCommit = parts[2];
            String task = git(
                            clone,
                            "log",
                            "-1",
                            "--format=%(trailers:key=Forgeline-Task,valueonly,separator=)",
                            attemptCommit)
                    .strip();
            String attempt = git(
                            clone,
                            "log",
                            "-1",
                            "--format=%(trailers:key=Forgeline-Attempt,valueonly,separator=)",
                            attemptCommit)
                    .strip();
            if (task.startsWith(specId + "/")) {
                merges.add(new Merge(parts[0], attemptCommit, task.substring(specId.length() + 1), attempt));
            }
        }
        return merges;
    }

    /** The dependent task's merged attempt was made on a main that already held its dependencies' merges. */
    private static void assertBuiltOnItsDependencies(
            Path clone, List<Merge> merges, String dependent, String... dependencies) {
        Merge merged = merges.stream()
                .filter(m -> m.taskId().equals(dependent))
                .findFirst()
                .orElseThrow();
        for (String dependency : dependencies) {
            Merge before = merges.stream()
                    .filter(m -> m.taskId().equals(dependency))
                    .findFirst()
                    .orElseThrow();
            assertThat(run(clone, "git", "merge-base", "--is-ancestor", before.commit(), merged.attemptCommit()))
                    .as(
                            "%s's merge %s is in the base of %s's attempt %s",
                            dependency, before.commit(), dependent, merged)
                    .isZero();
        }
    }

    /**
     * Each attempt the review service saw ran on one of the two worker hosts, whose own workspace holds its
     * transcript; at least {@code hostsAtLeast} of the hosts did work.
     */
    private static void assertRanOnTheWorkerHosts(String specId, List<String> taskIds, int hostsAtLeast) {
        Set<String> nodesUsed = new TreeSet<>();
        for (String taskId : taskIds) {
            for (JsonNode attempt : review(specId, taskId).path("attempts")) {
                String node = attempt.path("nodeName").asText();
                WorkerHost host = workers.stream()
                        .filter(w -> w.nodeName().equals(node))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError(taskId + " ran on " + node + ", not a worker host"));
                assertThat(host.transcripts(specId))
                        .as("transcripts in %s's workspace", node)
                        .contains(taskId + "/a" + attempt.path("attempt").asInt());
                nodesUsed.add(node);
            }
        }
        assertThat(nodesUsed).hasSizeGreaterThanOrEqualTo(hostsAtLeast);
    }

    private static List<String> states(String specId) {
        List<String> states = new ArrayList<>();
        client.spec(specId)
                .path("tasks")
                .forEach(t -> states.add(
                        t.path("taskId").asText() + "=" + t.path("state").asText()));
        return states;
    }

    private static JsonNode review(String specId, String taskId) {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(stack.url(ServiceKind.REVIEW).resolve("/reviews/" + specId + "/" + taskId))
                            .header("Authorization", "Bearer " + stack.adminToken())
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : JSON.createObjectNode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The pull request (any state) whose head is the branch of {@code taskId}'s attempt {@code attempt}. */
    private static JsonNode pullRequestOf(String specId, String taskId, int attempt) {
        String ref = "forgeline/" + specId + "/" + taskId + "/a" + attempt;
        JsonNode all = api("GET", "/repos/" + REVIEWED + "/pulls?state=all&per_page=100", null, CI_TOKEN);
        for (JsonNode pull : all) {
            if (pull.path("head").path("ref").asText().equals(ref)) {
                return api(
                        "GET",
                        "/repos/" + REVIEWED + "/pulls/" + pull.path("number").asInt(),
                        null,
                        CI_TOKEN);
            }
        }
        throw new AssertionError("no pull request from " + ref + " among " + all);
    }

    private static JsonNode api(String method, String path, Object body, String token) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(github.apiUrl() + path))
                    .header("Authorization", "Bearer " + token)
                    .header("Accept", "application/vnd.github+json");
            request.method(
                    method,
                    body == null
                            ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode())
                    .as("%s %s: %s", method, path, response.body())
                    .isBetween(200, 299);
            return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A fresh clone of a served repository over HTTP with the token, as any client of the git host makes. */
    private static Path cloneServed(String name, String directory) {
        Path clone = WORK.resolve(directory);
        String basic =
                Base64.getEncoder().encodeToString(("x-access-token:" + BOT_TOKEN).getBytes(StandardCharsets.UTF_8));
        git(
                WORK,
                "-c",
                "http.extraHeader=Authorization: Basic " + basic,
                "clone",
                "--quiet",
                "--branch",
                "main",
                git.url(name),
                clone.toString());
        return clone;
    }

    private static boolean canListenOn(String address) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
