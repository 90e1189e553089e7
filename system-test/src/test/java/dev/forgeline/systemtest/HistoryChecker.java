package dev.forgeline.systemtest;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.support.git.GitRunner;

/**
 * Reads what the services and the target repository say happened to a spec, after a scenario, and checks the
 * history holds together:
 * <ul>
 * <li>each task is in exactly one terminal state: the planner's expected final state, the dispatcher's view of it
 * settled (no lease open), listed once;</li>
 * <li>no completion lost or applied twice: a merged task has exactly one SUCCEEDED lease and exactly one merge on
 * main;</li>
 * <li>main holds exactly the expected merges, each after the merges of the tasks it depends on;</li>
 * <li>no agent or test process outlives its lease: once the scenario is over no process runs in (or names) the
 * worker's workspace, no process an attempt recorded is alive, and no attempt record is left unreported.</li>
 * </ul>
 * It reports the attempts each task used, as the dispatcher's leases show them.
 *
 * <p>{@link #checkEnded} is the same check for a run where a task may also fail for good (a soak with the field's
 * failure mix): a task then ends either merged, or failed permanently at the dispatcher with a failure class and a
 * reason (the planner shows it FAILED, or NEEDS_DECISION when tasks wait for it), or never released because a task
 * it depends on did not merge.
 */
final class HistoryChecker {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final GitRunner GIT = new GitRunner(GitRunner.Settings.defaults());
    private final URI planner;
    private final URI dispatcher;
    private final String token;
    private final List<Path> workerWorkspaces;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    HistoryChecker(String token, URI planner, URI dispatcher, Path workerWorkspace) {
        this(token, planner, dispatcher, List.of(workerWorkspace));
    }

    /** A checker for several worker nodes, each with its own workspace. */
    HistoryChecker(String token, URI planner, URI dispatcher, List<Path> workerWorkspaces) {
        this.token = token;
        this.planner = planner;
        this.dispatcher = dispatcher;
        this.workerWorkspaces = workerWorkspaces.stream()
                .map(w -> w.toAbsolutePath().normalize())
                .toList();
    }

    /** One lease as the dispatcher recorded it; {@code endedAt} null while open. */
    record LeaseRecord(String nodeName, Instant leasedAt, Instant lastHeartbeatAt, Instant endedAt, String outcome) {}

    /**
     * One task's history: its states, the outcomes of its leases (oldest first), and for a task failed for good at
     * the dispatcher its failure class and reason ({@code permanent} true).
     */
    record TaskHistory(
            String taskId,
            String plannerState,
            String dispatcherState,
            List<String> leaseOutcomes,
            boolean permanent,
            String failureClass,
            String failureDetail,
            List<LeaseRecord> leases) {
        int attempts() {
            return leaseOutcomes.size();
        }

        boolean merged() {
            return plannerState.equals("MERGED");
        }
    }

    /** What the checker found; {@link #violations()} is empty when the history holds together. */
    record Report(String specId, List<TaskHistory> tasks, List<String> mergesOldestFirst, List<String> violations) {
        Map<String, Integer> attemptsByTask() {
            Map<String, Integer> attempts = new LinkedHashMap<>();
            tasks.forEach(t -> attempts.put(t.taskId(), t.attempts()));
            return attempts;
        }

        String describe() {
            StringBuilder text = new StringBuilder("history of " + specId + ":\n");
            for (TaskHistory t : tasks) {
                text.append("  ")
                        .append(t.taskId())
                        .append(": planner ")
                        .append(t.plannerState())
                        .append(", dispatcher ")
                        .append(t.dispatcherState())
                        .append(", ")
                        .append(t.attempts())
                        .append(" attempt(s) ")
                        .append(t.leaseOutcomes())
                        .append(
                                t.permanent()
                                        ? ", failed for good: " + t.failureClass() + " (" + t.failureDetail() + ")"
                                        : "")
                        .append('\n');
            }
            text.append("  merges on main, oldest first: ")
                    .append(mergesOldestFirst)
                    .append('\n');
            if (violations.isEmpty()) {
                text.append("  no violation\n");
            } else {
                violations.forEach(v -> text.append("  VIOLATION: ").append(v).append('\n'));
            }
            return text.toString();
        }
    }

    /**
     * Checks the spec's history once its scenario is over.
     *
     * @param expectedState the final state every task of the spec should be in (the planner's name for it)
     */
    Report check(String specId, Path repository, String expectedState) {
        return check(specId, repository, expectedState, true);
    }

    /**
     * Checks the history of a spec whose tasks may fail for good: each task ends merged, or failed permanently with
     * a failure class and a reason and never merged, or unreleased behind a dependency that did not merge. The other
     * checks are those of {@link #check}; the process check is left to the caller ({@link
     * #processesLeftInTheWorkspace()}), once for a run of many specs.
     */
    Report checkEnded(String specId, Path repository) {
        return check(specId, repository, null, false);
    }

    private Report check(String specId, Path repository, String expectedState, boolean checkProcesses) {
        List<String> violations = new ArrayList<>();
        JsonNode spec = get(planner, "/specs/" + specId);
        Map<String, List<String>> dependsOn = new LinkedHashMap<>();
        Map<String, String> plannerStates = new LinkedHashMap<>();
        for (JsonNode task : spec.path("tasks")) {
            String taskId = task.path("taskId").asText();
            if (plannerStates.put(taskId, task.path("state").asText()) != null) {
                violations.add("the planner lists " + taskId + " twice");
            }
            List<String> deps = new ArrayList<>();
            task.path("dependsOn").forEach(d -> deps.add(d.asText()));
            dependsOn.put(taskId, deps);
        }

        Map<String, String> dispatcherStates = new LinkedHashMap<>();
        for (JsonNode task :
                get(dispatcher, "/tasks?limit=1000&specId=" + URLEncoder.encode(specId, StandardCharsets.UTF_8))) {
            String taskId = task.path("taskId").asText();
            if (dispatcherStates.put(taskId, task.path("state").asText()) != null) {
                violations.add("the dispatcher lists " + taskId + " twice");
            }
        }
        if (expectedState == null) {
            // tasks never released (behind a dependency that did not merge) are unknown to the dispatcher
            if (!plannerStates.keySet().containsAll(dispatcherStates.keySet())) {
                violations.add("the dispatcher knows tasks " + dispatcherStates.keySet() + ", the planner "
                        + plannerStates.keySet());
            }
        } else if (!dispatcherStates.keySet().equals(plannerStates.keySet())) {
            violations.add("the dispatcher knows tasks " + dispatcherStates.keySet() + ", the planner "
                    + plannerStates.keySet());
        }

        List<String> merges = mergesOldestFirst(repository, specId);
        List<TaskHistory> tasks = new ArrayList<>();
        for (Map.Entry<String, String> entry : plannerStates.entrySet()) {
            String taskId = entry.getKey();
            String state = entry.getValue();
            boolean known = dispatcherStates.containsKey(taskId);
            // a task never released is unknown to the dispatcher (404): its view is empty
            JsonNode view = known || expectedState != null
                    ? get(dispatcher, "/tasks/" + specId + "/" + taskId)
                    : JSON.createObjectNode();
            List<String> outcomes = new ArrayList<>();
            List<LeaseRecord> leases = new ArrayList<>();
            int succeeded = 0;
            for (JsonNode lease : view.path("leases")) {
                String outcome = lease.path("outcome").isNull()
                        ? "OPEN"
                        : lease.path("outcome").asText();
                outcomes.add(outcome);
                leases.add(new LeaseRecord(
                        lease.path("nodeName").asText(),
                        instant(lease.path("leasedAt")),
                        instant(lease.path("lastHeartbeatAt")),
                        instant(lease.path("endedAt")),
                        outcome));
                if (outcome.equals("OPEN") || lease.path("endedAt").isNull()) {
                    violations.add(taskId + ": lease " + lease.path("leaseId").asText() + " (attempt "
                            + lease.path("attempt").asInt() + ") is still open");
                }
                if (outcome.equals("SUCCEEDED")) {
                    succeeded++;
                }
            }
            String dispatcherState = known ? view.path("state").asText() : "UNKNOWN";
            boolean permanent = view.path("permanent").asBoolean(false);
            String failureClass = view.path("failureClass").isNull()
                    ? null
                    : view.path("failureClass").asText(null);
            String failureDetail = view.path("failureDetail").isNull()
                    ? null
                    : view.path("failureDetail").asText(null);
            tasks.add(new TaskHistory(
                    taskId, state, dispatcherState, outcomes, permanent, failureClass, failureDetail, leases));
            if (Set.of("READY", "LEASED", "RUNNING").contains(dispatcherState)) {
                violations.add(taskId + " is still " + dispatcherState + " at the dispatcher");
            }
            long onMain = merges.stream().filter(taskId::equals).count();
            String expected = expectedState != null
                    ? expectedState
                    : endStateExpected(taskId, state, dispatcherState, permanent, plannerStates, dependsOn);
            if (!state.equals(expected)) {
                violations.add(taskId + " ends " + state + " at the planner (dispatcher " + dispatcherState
                        + (permanent ? ", failed for good" : "") + "), expected " + expected);
            }
            if (expectedState == null && permanent) {
                if (failureClass == null || failureDetail == null || failureDetail.isBlank()) {
                    violations.add(taskId + " failed for good without a failure class and a reason: " + failureClass
                            + " / " + failureDetail);
                }
                if (succeeded > 0) {
                    violations.add(taskId + " failed for good although " + succeeded
                            + " of its leases SUCCEEDED (a completion lost): " + outcomes);
                }
            }
            if (expectedState == null && state.equals("PLANNED") && known) {
                violations.add(taskId + " is PLANNED at the planner but " + dispatcherState + " at the dispatcher");
            }
            if (expected.equals("MERGED")) {
                if (succeeded != 1) {
                    violations.add(taskId + " has " + succeeded + " SUCCEEDED leases, expected exactly 1: " + outcomes);
                }
                if (onMain != 1) {
                    violations.add(taskId + " is merged " + onMain + " times on main, expected exactly once");
                }
            } else if (onMain != 0) {
                violations.add(taskId + " ends " + state + " but is merged " + onMain + " times on main");
            }
        }
        for (String merged : merges) {
            if (!plannerStates.containsKey(merged)) {
                violations.add("main holds a merge of " + merged + ", which is no task of the spec");
            }
        }
        for (Map.Entry<String, List<String>> entry : dependsOn.entrySet()) {
            int at = merges.indexOf(entry.getKey());
            for (String dependency : entry.getValue()) {
                int dependencyAt = merges.indexOf(dependency);
                if (at >= 0 && dependencyAt > at) {
                    violations.add(entry.getKey() + " is merged before " + dependency + ", which it depends on");
                }
                if (at >= 0 && dependencyAt < 0) {
                    violations.add(entry.getKey() + " is merged although " + dependency
                            + ", which it depends on, is not merged");
                }
            }
        }
        if (checkProcesses) {
            violations.addAll(processesLeftInTheWorkspace());
        }
        return new Report(specId, tasks, merges, violations);
    }

    /**
     * The planner state a task of a run with permanent failures must end in: FAILED (or NEEDS_DECISION, the planner's
     * way to ask a person about a failed task others wait for) when the dispatcher failed it for good, PLANNED when a
     * task it depends on, directly or not, did not merge, MERGED otherwise.
     */
    private static String endStateExpected(
            String taskId,
            String plannerState,
            String dispatcherState,
            boolean permanent,
            Map<String, String> plannerStates,
            Map<String, List<String>> dependsOn) {
        if (dispatcherState.equals("FAILED") && permanent) {
            return plannerState.equals("NEEDS_DECISION") ? "NEEDS_DECISION" : "FAILED";
        }
        if (dispatcherState.equals("UNKNOWN") && blockedByUnmerged(taskId, plannerStates, dependsOn)) {
            return "PLANNED";
        }
        return "MERGED";
    }

    private static boolean blockedByUnmerged(
            String taskId, Map<String, String> plannerStates, Map<String, List<String>> dependsOn) {
        for (String dependency : dependsOn.getOrDefault(taskId, List.of())) {
            if (!"MERGED".equals(plannerStates.get(dependency))) {
                return true;
            }
        }
        return false;
    }

    private static Instant instant(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? null : Instant.parse(node.asText());
    }

    /** Task ids of the spec's merges on main's first-parent line, oldest first. */
    private static List<String> mergesOldestFirst(Path repository, String specId) {
        String log = GIT.run(
                        repository,
                        "log",
                        "--first-parent",
                        "--merges",
                        "--reverse",
                        "--format=%(trailers:key=Forgeline-Task,valueonly,separator=)",
                        "main")
                .stdout();
        return Arrays.stream(log.split("\n"))
                .map(String::trim)
                .filter(s -> s.startsWith(specId + "/"))
                .map(s -> s.substring(specId.length() + 1))
                .toList();
    }

    /**
     * Processes that outlived their attempt: any process whose working directory is in the worker's workspace or
     * whose command line names it, any live process an attempt recorded in {@code .attempts/*.processes} (pid and
     * start time both match), and attempt records never reported.
     */
    List<String> processesLeftInTheWorkspace() {
        List<String> left = new ArrayList<>();
        for (Path workspace : workerWorkspaces) {
            left.addAll(processesLeftIn(workspace));
        }
        return left;
    }

    private static List<String> processesLeftIn(Path workerWorkspace) {
        List<String> left = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .toList()) {
                long pid = Long.parseLong(proc.getFileName().toString());
                if (pid == self) {
                    continue;
                }
                String cwd = readLink(proc.resolve("cwd"));
                String cmdline =
                        read(proc.resolve("cmdline")).replace('\0', ' ').trim();
                if ((cwd != null && Path.of(cwd).startsWith(workerWorkspace))
                        || cmdline.contains(workerWorkspace.toString() + "/")) {
                    left.add("process " + pid + " [" + cmdline + "] (in " + cwd + ") outlived its attempt");
                }
            }
        } catch (IOException e) {
            left.add("could not read the process table: " + e.getMessage());
        }
        Path attempts = workerWorkspace.resolve(".attempts");
        if (Files.isDirectory(attempts)) {
            try (Stream<Path> records = Files.list(attempts)) {
                for (Path record : records.toList()) {
                    String name = record.getFileName().toString();
                    if (name.endsWith(".json")) {
                        left.add("attempt record " + name + " was never reported");
                    } else if (name.endsWith(".processes")) {
                        left.addAll(recordedProcessesAlive(record));
                    }
                }
            } catch (IOException e) {
                left.add("could not read " + attempts + ": " + e.getMessage());
            }
        }
        return left;
    }

    /** Lines {@code pid pgid starttime bootid}: a live pid with the same start time is the recorded process. */
    private static List<String> recordedProcessesAlive(Path record) throws IOException {
        List<String> alive = new ArrayList<>();
        for (String line : Files.readAllLines(record)) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length < 3 || !fields[0].matches("\\d+")) {
                continue;
            }
            String stat = read(Path.of("/proc", fields[0], "stat"));
            if (stat.isEmpty()) {
                continue;
            }
            // field 22 (start time) counted after the command name, which may hold spaces, in parentheses
            String[] afterName = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            if (afterName.length > 19 && afterName[19].equals(fields[2])) {
                alive.add("recorded process " + fields[0] + " of " + record.getFileName() + " is still alive");
            }
        }
        return alive;
    }

    private static String readLink(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null; // gone meanwhile, or not ours to read
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private JsonNode get(URI service, String path) {
        try {
            HttpResponse<String> response = PoliteHttp.send(
                    http,
                    HttpRequest.newBuilder(service.resolve(path))
                            .header("Authorization", "Bearer " + token)
                            .timeout(Duration.ofSeconds(30))
                            .GET()
                            .build());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(
                        "GET " + service.resolve(path) + " answered " + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach " + service.resolve(path) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
