package dev.forgeline.systemtest;

import static dev.forgeline.systemtest.ScratchFiles.deleteRecursively;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.stack.LocalStack;
import dev.forgeline.stack.ServiceKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Faults on the real packaged services as processes, on a broker and a database that run as processes of their
 * own. Each scenario submits a small spec (two independent tasks and one depending on both), injects one fault
 * while an agent is running, waits until every task is merged and then runs the {@link HistoryChecker}. It prints
 * the attempts each task used and the recovery time (from the fault to the last task merged).
 *
 * <p>The agent is the {@code command} adapter running {@code sleep} before writing a file, so that a fault lands
 * mid-task and a killed worker leaves a real process behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultSuiteIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path HOME = ScratchFiles.HOME;
    private static final Path WORK = HOME.resolve("system-test/target/fault-suite");
    private static final Duration AGENT_WORK = Duration.ofSeconds(5);
    private static final Duration ALL_MERGED_WITHIN = Duration.ofMinutes(3);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static LocalStack stack;
    private static HistoryChecker checker;
    private static final List<String> FIGURES = new ArrayList<>();

    @BeforeAll
    static void startStack() throws IOException {
        deleteRecursively(WORK);
        Map<String, String> env = Map.of(
                // the agent works long enough to be killed mid-task; its sleep is a real process of the attempt
                "FORGELINE_WORKER_AGENT_COMMAND",
                "sleep " + AGENT_WORK.toSeconds() + " && cat > agent-$$-$(date +%s%N).txt",
                // five JVMs and a broker starting at once on a shared CI machine can keep a first connection waiting
                // longer than the 5 s default (seen: Flyway's at start-up)
                "QUARKUS_DATASOURCE_JDBC_ACQUISITION_TIMEOUT",
                "20S");
        long started = System.nanoTime();
        stack = LocalStack.start(
                new LocalStack.Options(HOME, WORK, false, "fault-worker", 2, "command", env)
                        .withRestartableInfrastructure(),
                message -> System.out.println("[fault suite] " + message));
        System.out.printf("[fault suite] stack ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
        checker = new HistoryChecker(
                stack.adminToken(),
                stack.url(ServiceKind.PLANNER),
                stack.url(ServiceKind.DISPATCHER),
                WORK.resolve("worker"));
    }

    @AfterAll
    static void stopStack() {
        FIGURES.forEach(f -> System.out.println("[fault suite] " + f));
        if (stack != null) {
            stack.close();
        }
    }

    /** Target: a dispatcher restart costs no attempt (attempts running on the worker complete on their lease). */
    @Test
    @Order(1)
    void aDispatcherKilledMidRunAndRestartedCostsNoAttempt() throws Exception {
        HistoryChecker.Report report = scenario("dispatcher-kill", specId -> {
            stack.process(ServiceKind.DISPATCHER).kill();
            stack.restart(ServiceKind.DISPATCHER);
        });
        assertThat(report.attemptsByTask())
                .as(report.describe())
                .allSatisfy((task, attempts) -> assertThat(attempts).isEqualTo(1));
    }

    /** The broker killed (SIGKILL) with attempts running and restarted on its log directory: nothing lost. */
    @Test
    @Order(2)
    void aBrokerKilledMidRunAndRestartedLosesNoCompletion() throws Exception {
        HistoryChecker.Report report = scenario("broker-kill", specId -> {
            stack.kafkaProcess().kill();
            stack.kafkaProcess().restart();
        });
        assertThat(report.attemptsByTask())
                .as(report.describe())
                .allSatisfy((task, attempts) -> assertThat(attempts).isLessThanOrEqualTo(2));
    }

    /** PostgreSQL's postmaster killed (SIGKILL) with attempts running and restarted on its data: nothing lost. */
    @Test
    @Order(3)
    void aDatabaseKilledMidRunAndRestartedLosesNoCompletion() throws Exception {
        HistoryChecker.Report report = scenario("postgres-kill", specId -> {
            stack.postgresProcess().kill();
            stack.postgresProcess().restart();
        });
        assertThat(report.attemptsByTask())
                .as(report.describe())
                .allSatisfy((task, attempts) -> assertThat(attempts).isLessThanOrEqualTo(2));
    }

    /**
     * Target: a worker killed mid-task (SIGKILL) and restarted completes its tasks on at most one extra attempt, and
     * no process of the killed worker is alive once the restarted one is ready.
     */
    @Test
    @Order(4)
    void aWorkerKilledMidTaskAndRestartedUsesAtMostOneExtraAttemptAndLeavesNoProcess() throws Exception {
        List<Long> leftBehind = new ArrayList<>();
        long[] cleanedMillis = new long[1];
        HistoryChecker.Report report = scenario("worker-kill", specId -> {
            List<ProcessHandle> agents = processesInTheWorkspace();
            assertThat(agents).as("agents running when the worker is killed").isNotEmpty();
            boolean sandboxed = workerSandboxed();
            stack.process(ServiceKind.WORKER).kill();
            if (sandboxed) {
                // bubblewrap dies with its worker (--die-with-parent), and with it every process of its pid namespace
                await().atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(50))
                        .untilAsserted(() -> assertThat(agents.stream().filter(ProcessHandle::isAlive))
                                .as("sandboxed agents after the SIGKILL of their worker")
                                .isEmpty());
            } else {
                assertThat(agents.stream().filter(ProcessHandle::isAlive))
                        .as("the agents outlive the SIGKILL of their worker (sessions of their own)")
                        .isNotEmpty();
            }
            FIGURES.add("worker-kill: agents " + (sandboxed ? "sandboxed (bubblewrap)" : "not sandboxed"));
            agents.forEach(a -> leftBehind.add(a.pid()));
            long restarted = System.nanoTime();
            stack.restart(ServiceKind.WORKER);
            await().atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertThat(agents.stream().filter(ProcessHandle::isAlive))
                            .as("processes of the killed worker")
                            .isEmpty());
            cleanedMillis[0] = (System.nanoTime() - restarted) / 1_000_000;
        });
        FIGURES.add("worker-kill: the killed worker's processes " + leftBehind + " were gone " + cleanedMillis[0]
                + " ms after the restart began");
        assertThat(report.attemptsByTask())
                .as(report.describe())
                .allSatisfy((task, attempts) -> assertThat(attempts).isLessThanOrEqualTo(2));
    }

    /**
     * Planner, review and metrics killed (SIGKILL) mid-run and restarted: their consumers resume from committed
     * offsets; the run completes without an extra attempt.
     */
    @Test
    @Order(5)
    void plannerReviewAndMetricsKilledMidRunAndRestartedCostNoAttempt() throws Exception {
        HistoryChecker.Report report = scenario("planner-review-metrics-kill", specId -> {
            for (ServiceKind kind : List.of(ServiceKind.PLANNER, ServiceKind.REVIEW, ServiceKind.METRICS)) {
                stack.process(kind).kill();
            }
            stack.restart(ServiceKind.PLANNER, ServiceKind.REVIEW, ServiceKind.METRICS);
        });
        assertThat(report.attemptsByTask())
                .as(report.describe())
                .allSatisfy((task, attempts) -> assertThat(attempts).isEqualTo(1));
    }

    /**
     * Target: a worker frozen (SIGSTOP) past its leases' silence window, so that the dispatcher orphans them, then let
     * run again (SIGCONT), completes its tasks on at most one extra attempt; the late results of the orphaned leases
     * are not applied, and no process of the frozen attempts is left.
     */
    @Test
    @Order(6)
    void aWorkerSuspendedPastItsLeasesAndResumedUsesAtMostOneExtraAttemptAndLeavesNoProcess() throws Exception {
        HistoryChecker.Report report = scenario("worker-sigstop", specId -> {
            stack.process(ServiceKind.WORKER).suspend();
            try {
                await().atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(500))
                        .ignoreExceptions()
                        .until(() -> leaseOutcomes(specId).contains("ORPHANED"));
            } finally {
                stack.process(ServiceKind.WORKER).resume();
            }
        });
        assertThat(report.tasks().stream().flatMap(t -> t.leaseOutcomes().stream()))
                .as("the dispatcher orphaned the frozen worker's leases")
                .contains("ORPHANED");
        assertThat(report.attemptsByTask())
                .as(report.describe())
                .allSatisfy((task, attempts) -> assertThat(attempts).isLessThanOrEqualTo(2));
    }

    /** The outcomes of every lease of the spec's tasks so far (OPEN for a lease not ended). */
    private static List<String> leaseOutcomes(String specId) throws Exception {
        List<String> outcomes = new ArrayList<>();
        for (String task : List.of("T1", "T2", "T3")) {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(stack.url(ServiceKind.DISPATCHER).resolve("/tasks/" + specId + "/" + task))
                            .header("Authorization", "Bearer " + stack.adminToken())
                            .timeout(Duration.ofSeconds(5))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                for (JsonNode lease : JSON.readTree(response.body()).path("leases")) {
                    outcomes.add(
                            lease.path("outcome").isNull()
                                    ? "OPEN"
                                    : lease.path("outcome").asText());
                }
            }
        }
        return outcomes;
    }

    @FunctionalInterface
    interface Fault {
        void inject(String specId) throws Exception;
    }

    /**
     * Submits the scenario's spec, waits until an agent runs, injects the fault, waits until every task is merged and
     * checks the history; fails on any violation.
     */
    private static HistoryChecker.Report scenario(String name, Fault fault) throws Exception {
        Path repo = targetRepository(name);
        String specId = submit(spec(name), repo);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> processesInTheWorkspace().stream()
                        .anyMatch(p -> p.info().command().orElse("").endsWith("sleep")));
        long faultAt = System.nanoTime();
        fault.inject(specId);
        long recoveredAt = System.nanoTime();
        await().atMost(ALL_MERGED_WITHIN)
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions() // a service may be restarting
                .untilAsserted(() -> assertThat(plannerStates(specId))
                        .as("task states of %s", specId)
                        .containsOnly("MERGED"));
        long mergedAt = System.nanoTime();
        // the last agent's test run may still be ending when the review merges: give it its moment
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> checker.processesLeftInTheWorkspace().isEmpty());
        HistoryChecker.Report report = checker.check(specId, repo, "MERGED");
        String figures = String.format(
                "%s: attempts %s; fault handled in %.1f s; all merged %.1f s after the fault",
                name, report.attemptsByTask(), (recoveredAt - faultAt) / 1e9, (mergedAt - faultAt) / 1e9);
        FIGURES.add(figures);
        System.out.println("[fault suite] " + figures + "\n" + report.describe());
        assertThat(report.violations()).as(report.describe()).isEmpty();
        return report;
    }

    /** Two independent tasks and one that depends on both; the agent writes a file, the test finds it. */
    private static String spec(String name) {
        StringBuilder spec = new StringBuilder("# Spec: Fault " + name + "\nBase-branch: main\n");
        for (String[] task :
                List.of(new String[] {"T1", "Notes", ""}, new String[] {"T2", "Changelog", ""}, new String[] {
                    "T3", "Summary", "Depends-on: T1, T2\n"
                })) {
            spec.append("\n## Task: ")
                    .append(task[0])
                    .append(" - ")
                    .append(task[1])
                    .append("\nWrite the ")
                    .append(task[1].toLowerCase())
                    .append(" file of the project.\n")
                    .append(task[2])
                    .append("Acceptance: an agent output file exists\n")
                    .append("Test command: ls agent-*.txt\n")
                    .append("Estimate: 2m\n");
        }
        return spec.toString();
    }

    private static String submit(String markdown, Path repo) throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(stack.url(ServiceKind.PLANNER)
                                .resolve("/specs?repository="
                                        + java.net.URLEncoder.encode(
                                                repo.toString(), java.nio.charset.StandardCharsets.UTF_8)))
                        .header("Authorization", "Bearer " + stack.adminToken())
                        .header("Content-Type", "text/markdown")
                        .POST(HttpRequest.BodyPublishers.ofString(markdown))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JSON.readTree(response.body()).path("id").asText();
    }

    /** Whether the stack's worker runs agents under bubblewrap ({@code GET /worker}, {@code sandbox.sandboxed}). */
    private static boolean workerSandboxed() throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(stack.url(ServiceKind.WORKER).resolve("/worker"))
                        .header("Authorization", "Bearer " + stack.adminToken())
                        .timeout(Duration.ofSeconds(5))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode sandbox = JSON.readTree(response.body()).path("sandbox");
        assertThat(sandbox.isObject()).as(response.body()).isTrue();
        return sandbox.path("sandboxed").asBoolean();
    }

    private static List<String> plannerStates(String specId) throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(stack.url(ServiceKind.PLANNER).resolve("/specs/" + specId))
                        .header("Authorization", "Bearer " + stack.adminToken())
                        .timeout(Duration.ofSeconds(5))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        List<String> states = new ArrayList<>();
        for (JsonNode task : JSON.readTree(response.body()).path("tasks")) {
            states.add(task.path("state").asText());
        }
        assertThat(states).isNotEmpty();
        return states;
    }

    /** Live processes working in the worker's workspace: agents and test commands of running attempts. */
    private static List<ProcessHandle> processesInTheWorkspace() {
        Path workspace = WORK.resolve("worker").toAbsolutePath().normalize();
        List<ProcessHandle> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .toList()) {
                try {
                    if (Files.readSymbolicLink(proc.resolve("cwd")).startsWith(workspace)) {
                        ProcessHandle.of(Long.parseLong(proc.getFileName().toString()))
                                .ifPresent(found::add);
                    }
                } catch (IOException gone) {
                    // ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the process table", e);
        }
        return found;
    }

    private static Path targetRepository(String name) throws IOException {
        return ScratchFiles.targetRepository(WORK.resolve("repos").resolve(name), "fault suite target");
    }
}
