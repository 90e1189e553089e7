package dev.forgeline.worker;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.ProposalOrigin;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.Heartbeat;
import dev.forgeline.contracts.payload.LeaseRevoked;
import dev.forgeline.contracts.payload.NodeHeartbeat;
import dev.forgeline.contracts.payload.ProfileOffer;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskProposal;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.process.ProcStat;
import dev.forgeline.support.process.ProcessRequest;
import dev.forgeline.support.process.ProcessResult;
import dev.forgeline.support.process.ProcessRunner;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.GitHttpServer;
import dev.forgeline.testsupport.OpenApiContract;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(
        value = ForgelineInfraResource.class,
        restrictToAnnotatedClass = false,
        initArgs = @ResourceArg(name = "postgres", value = "false"))
@QuarkusTestResource(value = DispatcherStubResource.class, restrictToAnnotatedClass = false)
class WorkerServiceTest {
    private static final Logger LOG = Logger.getLogger(WorkerServiceTest.class);
    private static final String NODE = "test-worker";
    private static final Duration RESULT_WAIT = Duration.ofSeconds(60);
    private static final AtomicLong FENCING_TOKENS = new AtomicLong(1_000);
    private static final ObjectMapper JSON = new ObjectMapper();

    @jakarta.inject.Inject
    dev.forgeline.worker.config.WorkerConfig workerConfig;

    private static TestKafka kafka;

    private Path repository;
    private String specId;

    @jakarta.inject.Inject
    dev.forgeline.worker.workspace.Workspaces workspaces;

    @jakarta.inject.Inject
    dev.forgeline.worker.attempt.AbandonedAttempts abandonedAttempts;

    @jakarta.inject.Inject
    dev.forgeline.worker.attempt.Transcripts transcripts;

    @BeforeAll
    static void connect() {
        kafka = TestKafka.forApplication();
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    @BeforeEach
    void newRepository() throws Exception {
        repository = TestRepositories.create(Path.of("target", "test-repos").toAbsolutePath());
        specId =
                "spec-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    }

    @Test
    void registersWithTheDispatcherAndRetriesUntilItAccepts() throws Exception {
        String dispatcher = ConfigProvider.getConfig().getValue("forgeline.worker.dispatcher-url", String.class);
        HttpClient http = HttpClient.newHttpClient();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            HttpResponse<String> received = http.send(
                    HttpRequest.newBuilder(URI.create(dispatcher + "/received")).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode registrations = JSON.readTree(received.body());
            // the stub refused the first one: the worker must have come back
            assertThat(registrations.size()).isGreaterThanOrEqualTo(2);
            for (JsonNode registration : registrations) {
                assertThat(registration.get("name").asText()).isEqualTo(NODE);
                assertThat(registration.get("capacity").asInt()).isEqualTo(2);
                assertThat(registration.get("agentProfiles").get(0).asText()).isEqualTo("simulated");
                assertThat(registration.get("profileOffers").get(0).get("name").asText())
                        .isEqualTo("simulated");
                assertThat(registration
                                .get("profileOffers")
                                .get(0)
                                .get("contextTokens")
                                .asInt())
                        .isZero();
                assertThat(registration.get("labels").isObject()).isTrue();
            }
        });
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(
                        () -> given().get("/worker").then().statusCode(200).body("registered", equalTo(true)));
        // the registration names the process whose node heartbeats the dispatcher is to accept
        JsonNode registration = JSON.readTree(http.send(
                                HttpRequest.newBuilder(URI.create(dispatcher + "/received"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body())
                .get(0);
        NodeHeartbeat beat = kafka.await(
                        Topics.WORKER_HEARTBEATS,
                        e -> e.eventType() == EventType.NODE_HEARTBEAT
                                && NODE.equals(e.payloadAs(NodeHeartbeat.class).nodeName()),
                        1,
                        Duration.ofSeconds(30))
                .get(0)
                .payloadAs(NodeHeartbeat.class);
        assertThat(registration.get("instanceId").asText()).isNotBlank().isEqualTo(beat.instanceId());
    }

    @Test
    void registersAgainWhenTheDispatcherNoLongerKnowsTheNode() throws Exception {
        String dispatcher = ConfigProvider.getConfig().getValue("forgeline.worker.dispatcher-url", String.class);
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> given().get("/worker").then().statusCode(200).body("registered", equalTo(true)));
        int before = received(http, dispatcher).size();

        // the dispatcher lost the node (a database restored from an older state): its feed answers 404
        http.send(
                HttpRequest.newBuilder(URI.create(dispatcher + "/forget/" + NODE))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode registrations = received(http, dispatcher);
            assertThat(registrations.size()).isGreaterThan(before);
            // the same process registers again, under the same instance
            assertThat(registrations.get(registrations.size() - 1).get("instanceId"))
                    .isEqualTo(registrations.get(before - 1).get("instanceId"));
        });
        // and its feed is read again
        int polls = feedRequests(http, dispatcher).size();
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(
                        () -> assertThat(feedRequests(http, dispatcher).size()).isGreaterThan(polls));
    }

    private static JsonNode received(HttpClient http, String dispatcher) throws Exception {
        return JSON.readTree(http.send(
                        HttpRequest.newBuilder(URI.create(dispatcher + "/received"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body());
    }

    private static JsonNode feedRequests(HttpClient http, String dispatcher) throws Exception {
        return JSON.readTree(http.send(
                        HttpRequest.newBuilder(URI.create(dispatcher + "/feed/" + NODE + "/requests"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body());
    }

    @Test
    void describesTheNode() {
        given().get("/worker")
                .then()
                .statusCode(200)
                .body("nodeName", equalTo(NODE))
                .body("capacity", equalTo(2))
                .body("agent", equalTo("simulated"));
    }

    @Test
    void openApiDocumentListsTheWorkerEndpointsAndTheProblemSchema() {
        String json = given().get("/q/openapi?format=json")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        OpenApiContract openApi = OpenApiContract.of(json);
        openApi.assertListsExactly(OpenApiContract.declaredOperations(
                Path.of("target", "classes"),
                "dev.forgeline.worker",
                WorkerServiceTest.class.getClassLoader(),
                "")); // the service excludes nothing
        openApi.assertProblemSchemaMatches(Problem.class, Problem.ProblemError.class);
        assertThat(openApi.document().path("info").path("title").asText()).isEqualTo("Forgeline worker API");
        given().get("/q/openapi").then().statusCode(200).body(containsString("openapi: 3."));
        // dev and test profiles include Swagger UI; the packaged (prod) application leaves it out
        given().get("/q/swagger-ui/").then().statusCode(200);
    }

    @Test
    void anOwnLeaseEndsInAVerifiedCommittedResultWithHeartbeats() throws Exception {
        TaskLeased plain = lease(NODE, "T1", "sh test/t1_test.sh", null, Duration.ofMinutes(2));
        TaskLeased lease = new TaskLeased(
                plain.leaseId(),
                plain.nodeName(),
                plain.fencingToken(),
                plain.attempt(),
                plain.leasedAt(),
                plain.deadline(),
                plain.heartbeatInterval(),
                plain.task().withSubmittedBy("ana"));
        publish(lease);

        TaskResult result = awaitResult("T1");

        assertThat(result.succeeded())
                .as(String.valueOf(result.failureDetail()))
                .isTrue();
        assertThat(result.failureClass()).isNull();
        assertThat(result.leaseId()).isEqualTo(lease.leaseId());
        assertThat(result.fencingToken()).isEqualTo(lease.fencingToken());
        assertThat(result.nodeName()).isEqualTo(NODE);
        // the spec's submitter, from the lease, for the review service's four-eyes rule
        assertThat(result.submittedBy()).isEqualTo("ana");
        assertThat(result.branch()).isEqualTo("forgeline/" + specId + "/T1/a1");
        assertThat(result.baseCommit())
                .isEqualTo(TestRepositories.git(repository, "rev-parse", "main").strip());
        assertThat(result.tests().ran()).isTrue();
        assertThat(result.tests().passed()).isTrue();
        assertThat(result.tests().exitCode()).isZero();
        assertThat(result.diff().linesAdded()).isPositive();
        assertThat(result.diff().files()).containsExactlyInAnyOrder("lib/t1.sh", "test/t1_test.sh");
        assertThat(result.usage().adapter()).isEqualTo("simulated");
        assertThat(result.usage().inputTokens()).isPositive();
        assertThat(result.startedAt()).isBeforeOrEqualTo(result.finishedAt());

        // the branch holds the commit, with its trailers; main is untouched
        assertThat(TestRepositories.git(repository, "rev-parse", "refs/heads/" + result.branch())
                        .strip())
                .isEqualTo(result.commit());
        String message = TestRepositories.git(repository, "log", "-1", "--format=%B", result.branch());
        assertThat(message)
                .startsWith("T1: Task T1")
                .contains("Forgeline-Task: " + specId + "/T1", "Forgeline-Attempt: 1");
        assertThat(TestRepositories.git(repository, "rev-parse", "main").strip())
                .isEqualTo(result.baseCommit());
        assertThat(worktreeDirectory("T1", 1)).doesNotExist();
        assertThat(TestRepositories.git(repository, "worktree", "list")).doesNotContain(specId);

        Envelope heartbeat = kafka.awaitOne(
                Topics.WORKER_HEARTBEATS,
                e -> e.eventType() == EventType.WORKER_HEARTBEAT
                        && e.payloadAs(Heartbeat.class).fencingToken() == lease.fencingToken());
        Heartbeat beat = heartbeat.payloadAs(Heartbeat.class);
        assertThat(beat.nodeName()).isEqualTo(NODE);
        assertThat(beat.leaseId()).isEqualTo(lease.leaseId());
        assertThat(beat.taskId()).isEqualTo("T1");
        assertThat(heartbeat.specId()).isEqualTo(specId);

        assertThat(keysOf(Topics.WORKER_HEARTBEATS, specId)).isNotEmpty().containsOnly(NODE);
        assertThat(keysOf(Topics.TASKS_RESULTS, specId)).containsExactly(specId + "/T1");
    }

    @Test
    void aLeaseForAnotherNodeIsIgnored() throws Exception {
        // same record key as ours, so the same partition: it is consumed before our lease
        publish(lease("someone-else", "T2", "sh test/t2_test.sh", null, Duration.ofMinutes(2)));
        publish(lease(NODE, "T3", "sh test/t3_test.sh", null, Duration.ofMinutes(2)));

        assertThat(awaitResult("T3").succeeded()).isTrue();

        List<Envelope> results = kafka.readAll(Topics.TASKS_RESULTS, Duration.ofSeconds(1));
        assertThat(results)
                .filteredOn(e -> specId.equals(e.specId()))
                .extracting(Envelope::taskId)
                .containsExactly("T3");
        assertThat(TestRepositories.git(repository, "branch", "--list", "forgeline/*"))
                .contains("T3")
                .doesNotContain("T2");
    }

    @Test
    void aRedeliveredLeaseRunsOnce() throws Exception {
        TaskLeased lease = lease(NODE, "T6", "sh test/t6_test.sh", null, Duration.ofMinutes(2));
        Envelope envelope = publish(lease);
        feed(NODE, envelope);
        TaskLeased marker = lease(NODE, "T7", "sh test/t7_test.sh", null, Duration.ofMinutes(2));
        publish(marker);

        awaitResult("T6");
        awaitResult("T7");

        List<Envelope> results = kafka.readAll(Topics.TASKS_RESULTS, Duration.ofSeconds(1));
        assertThat(results)
                .filteredOn(e -> specId.equals(e.specId()) && "T6".equals(e.taskId()))
                .hasSize(1);
    }

    @Test
    void failingTestsGiveATestFailureButTheCommitIsKept() throws Exception {
        TaskLeased lease = lease(NODE, "T4", "sleep 2; echo 'tests say no'; exit 3", null, Duration.ofMinutes(2));
        publish(lease);

        await().atMost(RESULT_WAIT).untilAsserted(() -> {
            JsonPath status =
                    given().get("/worker").then().statusCode(200).extract().jsonPath();
            assertThat(status.getList("running.taskId")).contains("T4");
            assertThat(status.getString("running.find { it.taskId == 'T4' }.phase"))
                    .isEqualTo("TESTS");
        });
        TaskResult result = awaitResult("T4");

        assertThat(result.succeeded()).isFalse();
        assertThat(result.failureClass()).isEqualTo(FailureClass.TEST_FAILURE);
        assertThat(result.tests().ran()).isTrue();
        assertThat(result.tests().passed()).isFalse();
        assertThat(result.tests().exitCode()).isEqualTo(3);
        assertThat(result.tests().outputTail()).contains("tests say no");
        assertThat(result.tests().durationMillis()).isGreaterThanOrEqualTo(2_000);
        assertThat(result.computeMillis()).isGreaterThanOrEqualTo(result.tests().durationMillis());
        assertThat(result.commit()).isNotBlank();
        assertThat(TestRepositories.git(repository, "rev-parse", "refs/heads/" + result.branch())
                        .strip())
                .isEqualTo(result.commit());
        assertThat(kafka.awaitOne(
                        Topics.WORKER_HEARTBEATS,
                        e -> e.eventType() == EventType.WORKER_HEARTBEAT
                                && e.payloadAs(Heartbeat.class).fencingToken() == lease.fencingToken()
                                && "TESTS".equals(e.payloadAs(Heartbeat.class).phase())))
                .isNotNull();
        given().get("/worker").then().body("running.taskId", org.hamcrest.Matchers.not(hasItem("T4")));
    }

    @Test
    void testsRunningPastTheDeadlineAreKilledAndTheAttemptTimesOut() throws Exception {
        publish(lease(NODE, "T5", "sleep 120", null, Duration.ofSeconds(4)));

        TaskResult result = awaitResult("T5");

        assertThat(result.succeeded()).isFalse();
        assertThat(result.failureClass()).isEqualTo(FailureClass.TIMEOUT);
        assertThat(result.tests().passed()).isFalse();
        assertThat(Duration.between(result.startedAt(), result.finishedAt())).isLessThan(Duration.ofSeconds(60));
        assertThat(worktreeDirectory("T5", 1)).doesNotExist();
    }

    @Test
    void aTaskNamingTheCommandAdapterGetsThePromptOnItsStdin() throws Exception {
        // %test agent-command: cat > prompt.txt
        publish(lease(NODE, "T8", "grep -q 'Make the tests pass' prompt.txt", "command", Duration.ofMinutes(2)));

        TaskResult result = awaitResult("T8");

        assertThat(result.succeeded())
                .as(String.valueOf(result.failureDetail()))
                .isTrue();
        assertThat(result.usage().adapter()).isEqualTo("command");
        assertThat(result.diff().files()).containsExactly("prompt.txt");
        assertThat(TestRepositories.git(repository, "show", result.commit() + ":prompt.txt"))
                .contains("# Task T8: Task T8", "- criterion of T8", "grep -q 'Make the tests pass' prompt.txt");
    }

    @Test
    void aTaskWithoutTestCommandCannotSucceed() throws Exception {
        publish(lease(NODE, "T9", null, null, Duration.ofMinutes(2)));

        TaskResult result = awaitResult("T9");

        assertThat(result.succeeded()).isFalse();
        assertThat(result.failureClass()).isEqualTo(FailureClass.TEST_FAILURE);
        assertThat(result.failureDetail()).isEqualTo("no test command: the work cannot be verified");
        assertThat(result.tests().ran()).isFalse();
    }

    @Test
    void aRevokedLeaseKillsTheAgentsProcessTreeAndAnswersWithTheRevokedToken() throws Exception {
        TaskLeased lease = lease(NODE, "R1", "true", "hang", Duration.ofMinutes(2));
        publish(lease);
        // found by their command lines: in the sandbox the agent sees only its own pid namespace's numbers
        await().atMost(RESULT_WAIT)
                .until(() -> processesWith(specId + "-R1-child").size() == 1
                        && processesWith(specId + "-R1-grandchild").size() == 1);
        long child = pidWith(specId + "-R1-child");
        long grandchild = pidWith(specId + "-R1-grandchild");

        // a revocation of an older lease of the task changes nothing
        revoke(revocation(lease, lease.fencingToken() - 1, FailureClass.CANCELLED));
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(10))
                .until(() -> alive(child) && alive(grandchild));

        revoke(revocation(lease, lease.fencingToken(), FailureClass.CANCELLED));
        TaskResult result = awaitResult("R1");

        assertThat(result.succeeded()).isFalse();
        assertThat(result.failureClass()).isEqualTo(FailureClass.CANCELLED);
        assertThat(result.fencingToken()).isEqualTo(lease.fencingToken());
        assertThat(result.leaseId()).isEqualTo(lease.leaseId());
        assertThat(result.failureDetail()).contains("revoked");
        assertThat(result.commit())
                .as("nothing is committed after a revocation")
                .isNull();
        assertThat(result.tests().ran()).isFalse();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(alive(child)).as("agent's child").isFalse();
            assertThat(alive(grandchild)).as("agent's grandchild").isFalse();
        });
        assertThat(worktreeDirectory("R1", 1)).doesNotExist();
    }

    @Test
    void aLeaseLostToTheDispatcherIsAnsweredAsOrphaned() throws Exception {
        TaskLeased lease = lease(NODE, "R2", "true", "hang", Duration.ofMinutes(2));
        publish(lease);
        await().atMost(RESULT_WAIT)
                .until(() -> processesWith(specId + "-R2-child").size() == 1);
        long child = pidWith(specId + "-R2-child");

        revoke(revocation(lease, lease.fencingToken(), FailureClass.ORPHANED));
        TaskResult result = awaitResult("R2");

        assertThat(result.failureClass()).isEqualTo(FailureClass.ORPHANED);
        assertThat(result.fencingToken()).isEqualTo(lease.fencingToken());
        await().atMost(Duration.ofSeconds(10)).until(() -> !alive(child));
    }

    @Test
    void nodeHeartbeatsFlowEveryIntervalAlsoWhenIdle() {
        List<Envelope> beats = kafka.await(
                Topics.WORKER_HEARTBEATS,
                e -> e.eventType() == EventType.NODE_HEARTBEAT
                        && NODE.equals(e.payloadAs(NodeHeartbeat.class).nodeName()),
                3,
                Duration.ofSeconds(30));

        NodeHeartbeat first = beats.get(0).payloadAs(NodeHeartbeat.class);
        NodeHeartbeat last = beats.get(beats.size() - 1).payloadAs(NodeHeartbeat.class);
        assertThat(first.instanceId()).isNotBlank().isEqualTo(last.instanceId());
        assertThat(first.kind()).isIn("LAPTOP", "CLUSTER");
        assertThat(first.capacity()).isEqualTo(2);
        assertThat(first.agentProfiles()).first().isEqualTo("simulated");
        assertThat(first.agentProfiles()).contains("hang", "claude-code", "codex", "aider", "gemini", "command");
        // the offers: the default first (what a lease naming no profile runs), then every configured profile
        assertThat(first.profileOffers()).first().isEqualTo(new ProfileOffer("simulated", "simulated", null, 0));
        assertThat(first.profileOffers())
                .extracting(ProfileOffer::name)
                .containsExactly("simulated", "canary", "hang", "hostile", "proposer");
        assertThat(first.profileOffers())
                .allSatisfy(o -> assertThat(o.adapter()).isNotBlank());
        assertThat(last.sentAt()).isAfter(first.sentAt());
    }

    @Test
    void theDefaultPriceTableCoversTheCurrentModelsOfEachProvider() {
        for (String model : List.of(
                "gpt-5-codex",
                "gpt-5",
                "gpt-5-mini",
                "gpt-5.1-codex",
                "gpt-5.4",
                "gpt-5.5",
                "claude-opus-4-5",
                "claude-sonnet-4-5",
                "claude-haiku-4-5",
                "gemini-2.5-pro",
                "gemini-2.5-flash",
                "gemini-3-pro-preview")) {
            assertThat(workerConfig.prices()).as(model).containsKey(model);
            assertThat(workerConfig.prices().get(model).input()).as(model).isPositive();
            assertThat(workerConfig.prices().get(model).output())
                    .as(model)
                    .isGreaterThan(workerConfig.prices().get(model).input());
        }
    }

    @Test
    void anAttemptAbandonedByAPreviousRunIsReportedOrphanedAndItsWorktreeRemoved() throws Exception {
        TaskReady task = new TaskReady(
                        specId,
                        "worker test spec",
                        "A1",
                        "Task A1",
                        "",
                        List.of(),
                        "true",
                        60,
                        List.of(),
                        repository.toString(),
                        "main",
                        0,
                        Map.of(),
                        null)
                .withSubmittedBy("carol");
        Instant leasedAt = Instant.now().minusSeconds(30);
        TaskLeased lease = new TaskLeased(
                UUID.randomUUID(),
                NODE,
                FENCING_TOKENS.incrementAndGet(),
                2,
                leasedAt,
                leasedAt.plusSeconds(600),
                1,
                task);
        Path worktree = worktreeDirectory("A1", 2);
        workspaces.recordStart(lease);
        TestRepositories.git(
                repository,
                "worktree",
                "add",
                "-q",
                "-b",
                "forgeline/" + specId + "/A1/a2",
                worktree.toString(),
                "main");

        List<TaskResult> reported = abandonedAttempts.recover();

        assertThat(reported).extracting(TaskResult::leaseId).contains(lease.leaseId());
        TaskResult result = awaitResult("A1");
        assertThat(result.succeeded()).isFalse();
        assertThat(result.failureClass()).isEqualTo(FailureClass.ORPHANED);
        assertThat(result.fencingToken()).isEqualTo(lease.fencingToken());
        assertThat(result.attempt()).isEqualTo(2);
        assertThat(result.failureDetail()).contains("abandoned");
        // reported under the task's writer, like any result: the review and metrics views are per owner
        assertThat(result.submittedBy()).isEqualTo("carol");
        assertThat(worktree).doesNotExist();
        assertThat(workspaces.abandonedAttempts())
                .extracting(TaskLeased::leaseId)
                .doesNotContain(lease.leaseId());
    }

    @Test
    void anAttemptAbandonedWithItsProcessesRunningHasThemKilledAndNamedInItsOrphanedReportAndNeverRunsAgain()
            throws Exception {
        TaskLeased lease = lease(NODE, "A3", "true", null, Duration.ofMinutes(10));
        workspaces.recordStart(lease);
        Path dir =
                Files.createDirectories(Path.of("target", "abandoned", specId).toAbsolutePath());
        // the previous run's agent: a shell whose child shell runs a sleep, and a sleep re-parented to init
        String script = "echo $$ > leader.pid; sh -c 'sleep 300 & echo $! > grandchild.pid; wait' &"
                + " echo $! > child.pid; (sleep 301 & echo $! > orphan.pid); echo working; wait";
        CompletableFuture<ProcessResult> previousRun = CompletableFuture.supplyAsync(() -> {
            try {
                return ProcessRunner.run(new ProcessRequest(
                        List.of("sh", "-c", script),
                        dir,
                        null,
                        Instant.now().plusSeconds(600),
                        10,
                        null,
                        null,
                        Map.of(),
                        null,
                        workspaces.processLedger(lease.leaseId())));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        List<String> pidFiles = List.of("leader.pid", "child.pid", "grandchild.pid", "orphan.pid");
        await().atMost(RESULT_WAIT)
                .until(() -> pidFiles.stream().allMatch(f -> {
                    try {
                        return Files.exists(dir.resolve(f))
                                && !Files.readString(dir.resolve(f)).isBlank();
                    } catch (java.io.IOException e) {
                        return false;
                    }
                }));
        List<Long> pids = new ArrayList<>();
        for (String file : pidFiles) {
            pids.add(Long.parseLong(Files.readString(dir.resolve(file)).strip()));
        }

        // the restarted worker's entry point; the previous run's runner is left as it is, as if it had died
        List<TaskResult> reported = abandonedAttempts.recover();

        assertThat(reported).extracting(TaskResult::leaseId).contains(lease.leaseId());
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(pids)
                        .allSatisfy(pid ->
                                assertThat(gone(pid)).as("process " + pid).isTrue()));
        TaskResult result = awaitResult("A3");
        assertThat(result.failureClass()).isEqualTo(FailureClass.ORPHANED);
        assertThat(result.fencingToken()).isEqualTo(lease.fencingToken());
        assertThat(result.failureDetail())
                .contains("abandoned")
                .contains("killed 4 processes left by the previous run")
                .contains(pids.get(0) + " sh", pids.get(1) + " sh", pids.get(2) + " sleep", pids.get(3) + " sleep");
        assertThat(previousRun.get(10, java.util.concurrent.TimeUnit.SECONDS).exitCode())
                .isNotZero();

        // the lease replayed to the restarted worker is not run again
        publish(lease);
        TaskLeased marker = lease(NODE, "A4", "sh test/a4_test.sh", null, Duration.ofMinutes(2));
        publish(marker);
        awaitResult("A4");
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(5))
                .until(() -> kafka.readAll(Topics.TASKS_RESULTS, Duration.ofMillis(300)).stream()
                                .filter(e -> specId.equals(e.specId()) && "A3".equals(e.taskId()))
                                .count()
                        == 1);
        assertThat(TestRepositories.git(repository, "branch", "--list", "forgeline/*"))
                .contains("A4")
                .doesNotContain("A3");
    }

    @Test
    void processesOfAnAttemptWhoseRecordIsUnreadableAreKilledToo() throws Exception {
        UUID leaseId = UUID.randomUUID();
        Path dir =
                Files.createDirectories(Path.of("target", "abandoned", specId).toAbsolutePath());
        CompletableFuture<ProcessResult> previousRun = CompletableFuture.supplyAsync(() -> {
            try {
                return ProcessRunner.run(new ProcessRequest(
                        List.of("sh", "-c", "echo $$ > leader.pid; sleep 300"),
                        dir,
                        null,
                        Instant.now().plusSeconds(600),
                        10,
                        null,
                        null,
                        Map.of(),
                        null,
                        workspaces.processLedger(leaseId)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Path leaderFile = dir.resolve("leader.pid");
        await().atMost(RESULT_WAIT)
                .until(() -> Files.exists(leaderFile)
                        && !Files.readString(leaderFile).isBlank()
                        && !workspaces.trackedProcesses(leaseId).isEmpty());
        long leader = Long.parseLong(Files.readString(leaderFile).strip());
        Path attemptRecord = workspaces.root().resolve(".attempts").resolve(leaseId + ".json");
        Files.writeString(attemptRecord, "{not an attempt record");

        abandonedAttempts.recover();

        await().atMost(Duration.ofSeconds(10)).until(() -> gone(leader));
        assertThat(previousRun.get(10, java.util.concurrent.TimeUnit.SECONDS).exitCode())
                .isNotZero();
        assertThat(attemptRecord).doesNotExist();
        assertThat(workspaces.trackedProcesses(leaseId)).isEmpty();
    }

    @Test
    void leasesThatAreNoLongerTheirTasksCurrentOneStartNoAgent() throws Exception {
        // S2: its lease was revoked (the dispatcher declared it orphaned) before the lease itself was read
        TaskLeased revoked = lease(NODE, "S2", "sh test/s2_test.sh", null, Duration.ofMinutes(2));
        revoke(revocation(revoked, revoked.fencingToken(), FailureClass.ORPHANED));
        publish(revoked);
        // S3: its deadline passed long ago
        TaskLeased expired = lease(NODE, "S3", "sh test/s3_test.sh", null, Duration.ofSeconds(-1));
        publish(expired);
        TaskLeased marker = lease(NODE, "S4", "sh test/s4_test.sh", null, Duration.ofMinutes(2));
        publish(marker);

        assertThat(awaitResult("S4").succeeded()).isTrue();
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(5))
                .until(() -> kafka.readAll(Topics.TASKS_RESULTS, Duration.ofMillis(300)).stream()
                        .filter(e -> specId.equals(e.specId()))
                        .map(Envelope::taskId)
                        .toList()
                        .equals(List.of("S4")));
        assertThat(TestRepositories.git(repository, "branch", "--list", "forgeline/*"))
                .contains("S4")
                .doesNotContain("S2")
                .doesNotContain("S3");
    }

    @Test
    void theWorkerReadsItsOwnLeaseFeedAndNoneOfTheOtherNodesLeases() throws Exception {
        int requestsBefore = feedRequests(NODE).size();
        long start = System.nanoTime();
        // 50 other nodes get a lease each while this worker waits on its own feed
        for (int i = 0; i < 50; i++) {
            publish(lease("other-node-" + i, "O" + i, "true", null, Duration.ofMinutes(2)));
        }
        TaskLeased own = lease(NODE, "O50", "sh test/o50_test.sh", null, Duration.ofMinutes(2));
        publish(own);

        assertThat(awaitResult("O50").succeeded()).isTrue();
        long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        List<Map<String, Object>> requests =
                feedRequests(NODE).subList(requestsBefore, feedRequests(NODE).size());
        int wait = workerConfig.leasePollWaitSeconds();
        LOG.infof(
                "while 50 other nodes got leases, this worker polled its feed %d times in %d s and read %d events",
                requests.size(),
                seconds,
                requests.stream().mapToInt(r -> (int) r.get("events")).sum());
        // what it read: its own lease only
        assertThat(requests.stream().mapToInt(r -> (int) r.get("events")).sum()).isEqualTo(1);
        // how often it asked depends on the time passed (one long poll per wait), not on the other nodes' leases
        assertThat(requests.size()).isLessThanOrEqualTo(2 + (int) (seconds / wait) + 1);
        assertThat(TestRepositories.git(repository, "branch", "--list", "forgeline/*"))
                .contains("O50")
                .doesNotContain("O0")
                .doesNotContain("O49");
    }

    @Test
    void theFeedIsFirstReadWithoutAPositionThenFromWhereEachPageEnded() throws Exception {
        TaskLeased lease = lease(NODE, "P1", "sh test/p1_test.sh", null, Duration.ofMinutes(2));
        publish(lease);
        awaitResult("P1");

        List<Map<String, Object>> requests = feedRequests(NODE);
        // after a start the dispatcher resumes after what this node's worker acknowledged last
        assertThat(requests.get(0).get("after")).isNull();
        assertThat(requests.subList(1, requests.size()))
                .allSatisfy(r -> assertThat(r.get("after")).isNotNull());
        List<Long> positions = requests.subList(1, requests.size()).stream()
                .map(r -> ((Number) r.get("after")).longValue())
                .toList();
        assertThat(positions).isSorted();
    }

    private static List<Map<String, Object>> feedRequests(String node) throws Exception {
        String dispatcher = ConfigProvider.getConfig().getValue("forgeline.worker.dispatcher-url", String.class);
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(dispatcher + "/feed/" + node + "/requests"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return JSON.readValue(response.body(), new com.fasterxml.jackson.core.type.TypeReference<>() {});
    }

    /** Gone: no such process, or a zombie nobody has reaped yet (it runs nothing). */
    private static boolean gone(long pid) {
        return ProcStat.of(pid).map(ProcStat::zombie).orElse(true);
    }

    @Test
    void aCanaryProviderKeyReachesOnlyTheAgentAndAppearsNowhere() throws Exception {
        String canary = "forgeline-canary-7f3a9c2e51b4d6";
        // the test command proves the key is not in the tests' environment
        TaskLeased lease = lease(
                NODE, "K1", "test -z \"$ANTHROPIC_API_KEY\" && grep -q done done.txt", "canary", Duration.ofMinutes(2));
        publish(lease);

        TaskResult result = awaitResult("K1");
        assertThat(result.succeeded())
                .as(String.valueOf(result.failureDetail()))
                .isTrue();
        assertThat(result.usage().agentProfile()).isEqualTo("canary");

        // transcript: the agent printed the key (so it had it), masked
        Path transcript = transcripts.file(specId, "K1", 1);
        assertThat(Files.readString(transcript))
                .contains("using key ***", "last line ***")
                .doesNotContain(canary);
        // events on the real broker
        List<Envelope> events = new ArrayList<>(kafka.readAll(Topics.TASKS_RESULTS, Duration.ofSeconds(1)));
        events.addAll(kafka.readAll(Topics.WORKER_HEARTBEATS, Duration.ofSeconds(1)));
        assertThat(events).isNotEmpty();
        for (Envelope event : events) {
            assertThat(dev.forgeline.contracts.EventCodec.encode(event)).doesNotContain(canary);
        }
        // the commit: the file the agent wrote holds *** instead of the key
        assertThat(TestRepositories.git(repository, "show", result.commit() + ":leak.txt"))
                .contains("***");
        assertThat(TestRepositories.git(repository, "log", "-p", "--all")).doesNotContain(canary);
        // the log
        Path log = Path.of("target", "worker-service-test.log");
        assertThat(log).exists();
        assertThat(Files.readString(log)).doesNotContain(canary);
    }

    /**
     * A hostile agent (profile {@code hostile}: {@code target/hostile-agent.sh}, written here) and a hostile test
     * command, both under the worker's bubblewrap sandbox: every escape they try fails, shown from evidence. The
     * agent base64-encodes what it found into the commit, so that the worker's masking cannot hide a leak.
     */
    @Test
    void aHostileAgentAndTestCommandCannotEscapeTheSandbox() throws Exception {
        if (!dev.forgeline.support.process.Bubblewrap.available()) {
            String message =
                    "bubblewrap does not work here: " + dev.forgeline.support.process.Bubblewrap.unavailableReason();
            if ("1".equals(System.getenv("FORGELINE_REQUIRE_SANDBOX"))) {
                throw new AssertionError(message + ", and FORGELINE_REQUIRE_SANDBOX=1 requires it");
            }
            org.junit.jupiter.api.Assumptions.abort(message);
        }
        String canary = System.getenv("FORGELINE_CANARY_SECRET");
        assertThat(canary)
                .as("surefire sets the canary in the worker's environment")
                .isNotBlank();
        given().get("/worker").then().statusCode(200).body("sandbox.sandboxed", equalTo(true));

        Path target = Path.of("target").toAbsolutePath();
        Path tokenFile = target.resolve("git-token");
        if (!Files.exists(tokenFile)) {
            Files.writeString(tokenFile, "token-canary-5b7e2a\n");
        }
        String token = Files.readString(tokenFile).strip();
        Path outside = Files.writeString(target.resolve("sandbox-outside-" + specId + ".txt"), "original\n");
        Path repoFile = repository.resolve("README.md");
        String repoFileBefore = Files.readString(repoFile);
        Path hookRan = target.resolve("sandbox-hook-ran-" + specId);
        String marker = String.valueOf(600_000 + ThreadLocalRandom.current().nextInt(99_999));
        AtomicInteger connections = new AtomicInteger();
        try (java.net.ServerSocket server =
                new java.net.ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(200);
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try (java.net.Socket ignored = server.accept()) {
                        connections.incrementAndGet();
                    } catch (java.net.SocketTimeoutException e) {
                        // look again until closed
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            int port = server.getLocalPort();
            Files.writeString(
                    target.resolve("hostile-agent.sh"),
                    String.join(
                            "\n",
                            "ev=$( { cat /proc/$PPID/environ; echo; cat /proc/1/environ; echo; env;",
                            "  for p in /proc/[0-9]*/environ; do cat $p; echo; done;",
                            "  cat '" + tokenFile + "';",
                            "  echo 'written by the agent' > '" + outside + "';",
                            "  echo 'changed by the agent' >> '" + repoFile + "';",
                            "  printf '#!/bin/sh\\ntouch " + hookRan + "\\n' > '" + repository
                                    + "/.git/hooks/post-commit' && chmod +x '" + repository
                                    + "/.git/hooks/post-commit';",
                            "  bash -c 'echo hello > /dev/tcp/127.0.0.1/" + port + "';",
                            "  echo 'ATTEMPTS DONE'; } 2>&1 )",
                            "printf '%s' \"$ev\" | base64 -w0 > evidence.b64",
                            "setsid sleep " + marker + " > /dev/null 2>&1 < /dev/null &",
                            "echo done > done.txt",
                            ""));
            TaskLeased lease = lease(
                    NODE,
                    "S1",
                    "bash -c 'echo hello > /dev/tcp/127.0.0.1/" + port + "' || true; test -s evidence.b64",
                    "hostile",
                    Duration.ofMinutes(2));
            publish(lease);

            TaskResult result = awaitResult("S1");
            assertThat(result.succeeded())
                    .as(String.valueOf(result.failureDetail()))
                    .isTrue();
            server.close();
            acceptor.join(5_000);

            String evidence = new String(
                    java.util.Base64.getDecoder()
                            .decode(TestRepositories.git(repository, "show", result.commit() + ":evidence.b64")
                                    .strip()),
                    java.nio.charset.StandardCharsets.UTF_8);
            assertThat(evidence)
                    .contains("ATTEMPTS DONE", "Read-only file system", "HOME=/tmp/home")
                    .doesNotContain(canary)
                    .doesNotContain(token);
            assertThat(Files.readString(outside)).isEqualTo("original\n");
            assertThat(Files.readString(repoFile)).isEqualTo(repoFileBefore);
            assertThat(repository.resolve(".git/hooks/post-commit")).doesNotExist();
            TestRepositories.git(
                    repository,
                    "-c",
                    "user.name=t",
                    "-c",
                    "user.email=t@t",
                    "commit",
                    "-q",
                    "--allow-empty",
                    "-m",
                    "hooks probe");
            assertThat(hookRan).doesNotExist();
            assertThat(connections.get())
                    .as("connections from the agent or the tests")
                    .isZero();
            assertThat(processesWith("sleep " + marker)).isEmpty();
        }
    }

    /** Live processes whose command line holds {@code marker}, as "pid command line". */
    private static List<String> processesWith(String marker) throws java.io.IOException {
        try (var procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .map(p -> {
                        try {
                            return p.getFileName() + " "
                                    + new String(
                                                    Files.readAllBytes(p.resolve("cmdline")),
                                                    java.nio.charset.StandardCharsets.UTF_8)
                                            .replace('\0', ' ')
                                            .strip();
                        } catch (java.io.IOException e) {
                            return "";
                        }
                    })
                    .filter(line ->
                            line.contains(marker) && !gone(Long.parseLong(line.substring(0, line.indexOf(' ')))))
                    .toList();
        }
    }

    /** The one live process whose command line holds {@code marker}. */
    private static long pidWith(String marker) throws java.io.IOException {
        List<String> found = processesWith(marker);
        assertThat(found).as("processes with " + marker).hasSize(1);
        return Long.parseLong(found.get(0).substring(0, found.get(0).indexOf(' ')));
    }

    @Test
    void followUpsOfTheAgentBecomeProposalsBeforeTheResultAndAreNotCommitted() throws Exception {
        TaskLeased lease = lease(NODE, "F1", "grep -q done done.txt", "proposer", Duration.ofMinutes(2));
        publish(lease);

        TaskResult result = awaitResult("F1");
        assertThat(result.succeeded())
                .as(String.valueOf(result.failureDetail()))
                .isTrue();
        List<Envelope> proposals = kafka.await(
                Topics.TASKS_PROPOSALS,
                e -> e.eventType() == EventType.TASK_PROPOSED && specId.equals(e.specId()),
                2,
                RESULT_WAIT);

        List<TaskProposal> payloads =
                proposals.stream().map(e -> e.payloadAs(TaskProposal.class)).toList();
        assertThat(payloads)
                .extracting(TaskProposal::title)
                .containsExactly("Trim titles first", "Document the slug rules");
        assertThat(payloads).allSatisfy(p -> {
            assertThat(p.origin()).isEqualTo(ProposalOrigin.AGENT);
            assertThat(p.parentTaskId()).isEqualTo("F1");
            assertThat(p.specId()).isEqualTo(specId);
        });
        assertThat(payloads.get(0).text())
                .startsWith("## Task: trim - Trim titles first")
                .contains("Trim white space");
        assertThat(payloads.get(0).files()).containsExactly("lib/trim.sh");
        assertThat(payloads.get(1).files()).containsExactly("docs/slug.md");
        assertThat(keysOf(Topics.TASKS_PROPOSALS, specId)).containsOnly(specId + "/F1");
        assertThat(result.diff().files()).containsExactly("done.txt");
        assertThat(TestRepositories.tryGit(repository, "show", result.commit() + ":.forgeline/follow-ups.md")
                        .exitCode())
                .isNotZero();
    }

    @Test
    void anAttemptOnAnHttpRepositoryPushesItsCommitToTheServerUnderTheRefNamespaceWithTheHostsToken() throws Exception {
        String token = "tok-" + UUID.randomUUID();
        Files.writeString(gitTokenFile(), token + "\n");
        try (GitHttpServer server = GitHttpServer.start()) {
            server.createRepository("served", repository).requireToken(token);
            TaskLeased lease =
                    lease(NODE, "H1", "sh test/h1_test.sh", null, Duration.ofMinutes(2), server.url("served"));
            publish(lease);

            TaskResult result = awaitResult("H1");

            assertThat(result.succeeded())
                    .as(String.valueOf(result.failureDetail()))
                    .isTrue();
            assertThat(result.repository()).isEqualTo(server.url("served"));
            assertThat(result.remoteRef()).isEqualTo("refs/heads/forgeline/" + specId + "/H1/a1");
            assertThat(result.fetchRef()).isEqualTo(result.remoteRef());
            assertThat(result.baseCommit())
                    .isEqualTo(server.head("served", "main").orElseThrow());
            // the commit is on the served repository, under the namespace; main is untouched
            assertThat(server.head("served", "forgeline/" + specId + "/H1/a1")).contains(result.commit());
            assertThat(server.show("served", result.commit(), "lib/h1.sh")).isNotBlank();
            assertThat(server.head("served", "main")).contains(result.baseCommit());
            // the local repository the server was seeded from was not touched
            assertThat(TestRepositories.git(repository, "branch", "--list", "forgeline/*"))
                    .doesNotContain("H1");
            assertThat(worktreeDirectory("H1", 1)).doesNotExist();
        }
    }

    @Test
    void aRefusedTokenEndsTheAttemptWithAClearFailureThatNeverShowsTheToken() throws Exception {
        String token = "tok-" + UUID.randomUUID();
        String required = "required-" + UUID.randomUUID();
        Files.writeString(gitTokenFile(), token + "\n");
        try (GitHttpServer server = GitHttpServer.start()) {
            server.createRepository("guarded", repository).requireToken(required);
            TaskLeased lease =
                    lease(NODE, "H2", "sh test/h2_test.sh", null, Duration.ofMinutes(2), server.url("guarded"));
            publish(lease);

            TaskResult result = awaitResult("H2");

            assertThat(result.succeeded()).isFalse();
            // retrying cannot help: the task waits for a person to fix the credentials
            assertThat(result.failureClass()).isEqualTo(FailureClass.AMBIGUOUS_SPEC);
            assertThat(result.failureDetail())
                    .contains("could not fetch " + server.url("guarded"))
                    .contains("AUTH_FAILED");
            assertThat(result.commit()).isNull();
            assertThat(result.remoteRef()).isNull();
            // the worker did send its token: git asks anonymously first, then with the helper's token, both refused
            assertThat(server.requests()).filteredOn(r -> r.endsWith("-> 401")).hasSizeGreaterThanOrEqualTo(2);

            List<Envelope> events = new ArrayList<>(kafka.readAll(Topics.TASKS_RESULTS, Duration.ofSeconds(1)));
            assertThat(events).isNotEmpty();
            for (Envelope event : events) {
                assertThat(dev.forgeline.contracts.EventCodec.encode(event))
                        .doesNotContain(token)
                        .doesNotContain(required);
            }
            assertThat(Files.readString(Path.of("target", "worker-service-test.log")))
                    .contains("H2")
                    .doesNotContain(token)
                    .doesNotContain(required);
            Path transcript = transcripts.file(specId, "H2", 1);
            if (Files.exists(transcript)) {
                assertThat(Files.readString(transcript)).doesNotContain(token);
            }
        }
    }

    /** The token file the test configuration names for host 127.0.0.1 ({@code forgeline.git.hosts}). */
    private static Path gitTokenFile() throws Exception {
        Path file = Path.of(
                ConfigProvider.getConfig().getValue("forgeline.git.hosts.\"127.0.0.1\".token-file", String.class));
        Files.createDirectories(file.toAbsolutePath().getParent());
        return file;
    }

    private static LeaseRevoked revocation(TaskLeased lease, long token, FailureClass reason) {
        return new LeaseRevoked(
                lease.leaseId(),
                lease.nodeName(),
                lease.task().specId(),
                lease.task().taskId(),
                token,
                lease.attempt(),
                reason,
                "test revocation",
                Instant.now());
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private TaskLeased lease(String node, String taskId, String testCommand, String agentProfile, Duration limit) {
        return lease(node, taskId, testCommand, agentProfile, limit, repository.toString());
    }

    private TaskLeased lease(
            String node, String taskId, String testCommand, String agentProfile, Duration limit, String repo) {
        Instant now = Instant.now();
        TaskReady task = new TaskReady(
                specId,
                "worker test spec",
                taskId,
                "Task " + taskId,
                "Write the function of " + taskId + ".",
                List.of("criterion of " + taskId),
                testCommand,
                60,
                List.of(),
                repo,
                "main",
                0,
                Map.of(),
                agentProfile);
        return new TaskLeased(
                UUID.randomUUID(), node, FENCING_TOKENS.incrementAndGet(), 1, now, now.plus(limit), 1, task);
    }

    /** Puts a lease into its node's feed at the stand-in dispatcher. */
    private Envelope publish(TaskLeased lease) {
        Envelope envelope =
                Envelope.of(EventType.TASK_LEASED, specId, lease.task().taskId(), lease, Map.of());
        feed(lease.nodeName(), envelope);
        return envelope;
    }

    /** Puts a revocation into its node's feed at the stand-in dispatcher. */
    private void revoke(LeaseRevoked revocation) {
        feed(
                revocation.nodeName(),
                Envelope.of(EventType.LEASE_REVOKED, specId, revocation.taskId(), revocation, Map.of()));
    }

    private static void feed(String node, Envelope envelope) {
        String dispatcher = ConfigProvider.getConfig().getValue("forgeline.worker.dispatcher-url", String.class);
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(dispatcher + "/feed/" + node))
                                    .POST(HttpRequest.BodyPublishers.ofString(EventCodec.encode(envelope)))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(204);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private TaskResult awaitResult(String taskId) {
        return kafka.await(
                        Topics.TASKS_RESULTS,
                        e -> e.eventType() == EventType.TASK_RESULT
                                && specId.equals(e.specId())
                                && taskId.equals(e.taskId()),
                        1,
                        RESULT_WAIT)
                .get(0)
                .payloadAs(TaskResult.class);
    }

    private Path worktreeDirectory(String taskId, int attempt) {
        String workspace = ConfigProvider.getConfig().getValue("forgeline.worker.workspace", String.class);
        return Path.of(workspace)
                .toAbsolutePath()
                .resolve(specId)
                .resolve(taskId)
                .resolve("a" + attempt);
    }

    /** The record keys of this test's events on a topic. */
    private List<String> keysOf(String topic, String spec) {
        Properties props = new Properties();
        props.put(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "keys-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> keys = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < Duration.ofSeconds(1).toNanos()
                    || consumer.assignment().isEmpty()) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    quietSince = System.nanoTime();
                }
                for (ConsumerRecord<String, String> record : records) {
                    if (record.value().contains("\"specId\":\"" + spec + "\"")) {
                        keys.add(record.key());
                    }
                }
            }
        }
        return keys;
    }
}
