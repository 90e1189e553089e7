package dev.forgeline.systemtest;

import static dev.forgeline.systemtest.ScratchFiles.GIT;
import static dev.forgeline.systemtest.ScratchFiles.deleteRecursively;
import static dev.forgeline.systemtest.ScratchFiles.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.stack.ForgelineClient;
import dev.forgeline.stack.LocalStack;
import dev.forgeline.stack.ServiceKind;
import dev.forgeline.support.git.GitCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Real spec-kit and Kiro {@code tasks.md} files (src/test/resources/spec-examples, sources and licence in SOURCES.md
 * there) and fixtures written for this test (src/test/resources/spec-fixtures) run to the end on the five packaged
 * services with the simulated agent: every open item ends MERGED on its repository's main, items the docs say are
 * not planned (done, skipped, optional, checkpoints, Kiro parents) are not, and the merges respect every dependency
 * the planner reports and every one the fixtures state.
 *
 * <p>The test plays the person in the loop: it overrides the spec-quality decisions of its specs and approves the
 * reviews that wait for a person, and counts both per file. Any other decision (a failure waiting for a person)
 * fails the file's case: answering it would hide the failure. The files' cases run at the same time (each method is
 * concurrent, the class itself runs alone), so the Kiro files, sequential by default, do not add up. The stack is the
 * {@link SharedStack} (its worker's capacity of 4 lets the files' tasks run at the same time); the person in the loop
 * answers only this class's specs, whose target repositories are its own.
 */
@ExtendWith(SharedStack.Resolver.class)
class SpecExamplesToMainIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path HOME = ScratchFiles.HOME;
    private static final Path WORK = HOME.resolve("system-test/target/spec-examples");
    /** spec-kit and Kiro tasks name no test command: each task runs every test merged so far and its own. */
    static final String TEST_COMMAND = "for t in test/*_test.sh; do sh \"$t\" || exit 1; done";

    private static final Duration RUN_LIMIT = Duration.ofMinutes(10);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static LocalStack stack;
    private static ForgelineClient client;
    private static ScheduledExecutorService person;
    /** spec id -> its run, for the person in the loop */
    private static final Map<String, Run> RUNS = new ConcurrentHashMap<>();

    /** What happened to one submitted file. */
    private static final class Run {
        final String file;
        final String specId;
        final AtomicInteger decisionsOverridden = new AtomicInteger();
        final AtomicInteger reviewsApproved = new AtomicInteger();
        final Set<Integer> reviewLevels = ConcurrentHashMap.newKeySet();
        /** decisions the test must not answer, and answers that went wrong */
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());

        Run(String file, String specId) {
            this.file = file;
            this.specId = specId;
        }
    }

    @BeforeAll
    static void useTheSharedStack(SharedStack shared) throws IOException {
        deleteRecursively(WORK);
        stack = shared.stack();
        client = stack.client();
        person = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "person-in-the-loop");
            t.setDaemon(true);
            return t;
        });
        person.scheduleWithFixedDelay(SpecExamplesToMainIT::playThePerson, 500, 500, TimeUnit.MILLISECONDS);
    }

    @AfterAll
    static void stopThePerson() {
        if (person != null) {
            person.shutdownNow();
        }
    }

    // ---- the real files ----------------------------------------------------------------------------------------

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void speckit1RunsToMain() throws Exception {
        runToMain("speckit-1.md", resource("spec-examples/speckit-1.md"), List.of());
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void kiro1RunsToMain() throws Exception {
        runToMain("kiro-1.md", resource("spec-examples/kiro-1.md"), List.of());
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void kiro2RunsToMain() throws Exception {
        runToMain("kiro-2.md", resource("spec-examples/kiro-2.md"), List.of());
    }

    /** Every item of speckit-2.md is done ([X]) or skipped ([~]): the planner refuses it and creates nothing. */
    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void speckit2HasNothingOpenAndIsRefusedWithoutASpec() throws Exception {
        String text = resource("spec-examples/speckit-2.md");
        Expected expected = Expected.fromFile(text);
        assertThat(expected.open()).as("open items of speckit-2.md").isEmpty();
        assertThat(expected.notPlanned())
                .as("done or skipped items of speckit-2.md")
                .hasSize(59);
        Path repo = targetRepository("speckit-2");
        ForgelineClient.ApiException refused = null;
        try {
            client.submit(text, Map.of("repository", repo.toString(), "testCommand", TEST_COMMAND));
        } catch (ForgelineClient.ApiException e) {
            refused = e;
        }
        assertThat(refused).as("speckit-2.md is refused").isNotNull();
        assertThat(refused.status()).as(refused.getMessage()).isEqualTo(400);
        assertThat(refused.body().toString()).contains("every task item of the spec is done or skipped");
        assertThat(client.specs().findValuesAsText("name"))
                .as("specs after the refusal")
                .doesNotContain("Kusari MCP Server");
        System.out.println("[spec examples] speckit-2.md: nothing open ("
                + expected.notPlanned().size() + " done or skipped items), refused with 400, no spec created");
    }

    // ---- fixtures of our own -----------------------------------------------------------------------------------

    /**
     * The dependencies speckit-invoice-export.md states, as {before, after}: phase order and [P] markers, the
     * Dependencies section's phase lines ("US1 after Setup" beside Foundational, "US2 after Foundational", "Polish
     * after all user stories"), its chain {@code T007 → T009} and {@code T010 before T011/T012}, and T008's inline
     * "depends on T004".
     */
    static final List<String[]> SPECKIT_FIXTURE_EDGES = edges(
            "T002>T003",
            "T002>T004",
            "T003>T005",
            "T004>T005", // Foundational after Setup; T005 after the [P] pair
            "T002>T007", // US1 after Setup
            "T004>T008",
            "T007>T008", // inline "depends on T004"; [P] after the last non-[P] item
            "T007>T009",
            "T008>T009", // the chain, and the phase sequence
            "T005>T010",
            "T005>T011",
            "T005>T012", // "Depends on: Phase 2"
            "T010>T011",
            "T010>T012", // "T010 before T011/T012"
            "T009>T013",
            "T010>T013",
            "T011>T013",
            "T012>T013", // Polish after all user stories
            "T013>T014");

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void speckitFixtureRunsToMainInTheStatedOrder() throws Exception {
        String text = resource("spec-fixtures/speckit-invoice-export.md");
        JsonNode spec = runToMain("speckit-invoice-export.md", text, SPECKIT_FIXTURE_EDGES);
        Map<String, JsonNode> tasks = byId(spec);
        assertThat(tasks.get("T008").path("labels").path("story").asText()).isEqualTo("US1");
        assertThat(tasks.get("T011").path("labels").path("story").asText()).isEqualTo("US2");
        assertThat(tasks.get("T011").path("labels").path("phase").asText()).isEqualTo("4");
        // US1 runs beside Foundational: it waits for none of its tasks
        assertThat(dependencyClosure(tasks, "T009")).doesNotContain("T003", "T005");
        // T009 and T012 both write cli/commands.py: the planner orders them by the file
        assertThat(tasks.get("T012").path("fileOrder").findValuesAsText("task")).contains("T009");
    }

    /** Kiro: parents 2 and 5, [P] children, optional items and two checkpoints, a wrapped title, phases. */
    static final List<String[]> KIRO_FIXTURE_EDGES = edges(
            "2.1>4", "2.2>4", // the checkpoint between: 4 waits for everything before it
            "4>5.1", "4>5.2", // [P] children wait for the last task without [P]
            "5.1>6", "5.2>6");

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void kiroFixtureRunsToMainWithGroupsDone() throws Exception {
        String text = resource("spec-fixtures/kiro-notes-service.md");
        JsonNode spec = runToMain("kiro-notes-service.md", text, KIRO_FIXTURE_EDGES);
        Map<String, JsonNode> tasks = byId(spec);
        assertThat(tasks.get("4").path("title").asText())
                .as("the wrapped title is joined")
                .isEqualTo("Serve GET /notes and POST /notes in notes/http.py, answering 201 with the stored note");
        assertThat(tasks.get("2.1").path("labels").path("parent").asText()).isEqualTo("2");
        assertThat(tasks.get("2.1").path("labels").path("requirements").asText())
                .isEqualTo("2.1 2.2");
        assertThat(tasks.get("5.2").path("labels").path("phase").asText()).isEqualTo("2");
        // 2.1 and 2.2 are both [P] at the start: neither waits for the other
        assertThat(dependencyClosure(tasks, "2.2")).doesNotContain("2.1");
    }

    /** The same plan with {@code Optional: include}: the optional items are planned and run too. */
    static final List<String[]> KIRO_FIXTURE_WITH_OPTIONAL_EDGES =
            edges("2.1>2.3", "2.2>2.3", "2.3>4", "4>5.1", "4>5.2", "5.1>5.3", "5.2>5.3", "5.3>6");

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void kiroFixtureWithOptionalItemsIncludedRunsThemToMainToo() throws Exception {
        String text = "Optional: include\n" + resource("spec-fixtures/kiro-notes-service.md");
        JsonNode spec = runToMain("kiro-notes-service.md (Optional: include)", text, KIRO_FIXTURE_WITH_OPTIONAL_EDGES);
        Map<String, JsonNode> tasks = byId(spec);
        assertThat(tasks).containsKeys("2.3", "5.3");
        assertThat(tasks.get("2.3").path("labels").path("optional").asText()).isEqualTo("true");
    }

    // ---- the run ------------------------------------------------------------------------------------------------

    /**
     * Submits {@code text} against a new repository, waits until every task is MERGED (the person thread answering
     * for it), and checks the plan against the file, the merges on main against the dependencies, and that nothing
     * is left waiting anywhere.
     *
     * @param statedEdges {before, after} pairs the file states, checked besides what the planner reports
     * @return the spec as {@code GET /specs/{id}} shows it at the end
     */
    private static JsonNode runToMain(String file, String text, List<String[]> statedEdges) throws Exception {
        long started = System.nanoTime();
        Expected expected = Expected.fromFile(text);
        assertThat(expected.open()).as(file + ": open items").isNotEmpty();
        Path repo = targetRepository(file.replaceAll("[^A-Za-z0-9]+", "-"));
        JsonNode submitted = client.submit(text, Map.of("repository", repo.toString(), "testCommand", TEST_COMMAND));
        String specId = submitted.path("id").asText();
        Run run = new Run(file, specId);
        RUNS.put(specId, run);

        // the plan: every open item and nothing else, in file order; Kiro parents are groups
        assertThat(ids(submitted)).as(file + ": planned tasks").containsExactlyElementsOf(expected.open());
        assertThat(ids(submitted))
                .as(file + ": done, skipped, optional and checkpoint items are not planned")
                .filteredOn(expected.notPlanned()::contains)
                .isEmpty();
        assertThat(ids(submitted))
                .as(file + ": parents are not tasks")
                .filteredOn(expected.groups()::contains)
                .isEmpty();
        List<String> groups = new ArrayList<>();
        submitted.path("groups").forEach(g -> groups.add(g.path("id").asText()));
        assertThat(groups).as(file + ": groups").containsExactlyInAnyOrderElementsOf(expected.groups());
        for (String[] edge : statedEdges) {
            assertThat(dependencyClosure(byId(submitted), edge[1]))
                    .as(file + ": " + edge[1] + " waits for " + edge[0] + " as the file states")
                    .contains(edge[0]);
        }

        await().atMost(RUN_LIMIT)
                .pollInterval(Duration.ofSeconds(1))
                .failFast(
                        file + ": a failure waits for a person or a task ended unmerged",
                        () -> !run.problems.isEmpty()
                                || states(client.spec(specId)).values().stream()
                                        .anyMatch(s -> Set.of("REJECTED", "REVERTED", "CANCELLED")
                                                .contains(s)))
                .untilAsserted(() -> assertThat(states(client.spec(specId)))
                        .as(file + ": task states")
                        .allSatisfy((task, state) -> assertThat(state).isEqualTo("MERGED")));
        JsonNode spec = client.spec(specId);
        double seconds = (System.nanoTime() - started) / 1e9;

        // nothing left waiting: not in the planner, not among the decisions, not in the dispatcher
        assertThat(spec.path("counts").path("MERGED").asInt())
                .isEqualTo(expected.open().size());
        for (String waiting : List.of("PLANNED", "READY", "NEEDS_DECISION", "IN_REVIEW")) {
            assertThat(spec.path("counts").has(waiting))
                    .as(file + ": " + waiting)
                    .isFalse();
        }
        spec.path("groups")
                .forEach(g -> assertThat(g.path("state").asText())
                        .as(file + ": group " + g.path("id").asText())
                        .isEqualTo("DONE"));
        assertThat(openDecisions(specId)).as(file + ": open decisions").isEmpty();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode dispatched = get(stack.url(ServiceKind.DISPATCHER), "/tasks?limit=1000&specId=" + specId);
            Map<String, String> dispatcherStates = new LinkedHashMap<>();
            dispatched.forEach(t -> dispatcherStates.put(
                    t.path("taskId").asText(), t.path("state").asText()));
            assertThat(dispatcherStates.keySet())
                    .as(file + ": tasks the dispatcher holds")
                    .containsExactlyInAnyOrderElementsOf(expected.open());
            assertThat(dispatcherStates)
                    .as(file + ": the dispatcher has no task left to run")
                    .allSatisfy((task, state) -> assertThat(state).isEqualTo("SUCCEEDED"));
        });

        // main: one merge per task, and the order respects every dependency
        List<Merge> merges = merges(repo, specId);
        List<String> order = merges.stream().map(Merge::task).toList();
        assertThat(order).as(file + ": tasks merged on main").containsExactlyInAnyOrderElementsOf(expected.open());
        Map<String, Merge> mergeOf = new HashMap<>();
        merges.forEach(m -> mergeOf.put(m.task(), m));
        Map<String, JsonNode> tasks = byId(spec);
        List<String> wrong = new ArrayList<>();
        for (JsonNode task : spec.path("tasks")) {
            String id = task.path("taskId").asText();
            if (!mergeOf.get(id).commit().equals(task.path("mergeCommit").asText())) {
                wrong.add(id + ": the planner's merge commit "
                        + task.path("mergeCommit").asText() + " is not main's "
                        + mergeOf.get(id).commit());
            }
            for (JsonNode dependency : task.path("dependsOn")) {
                checkOrder(repo, mergeOf, order, dependency.asText(), id, "depends on", wrong);
            }
            // tasks writing the same file are never in flight together: one started from a main holding the other
            for (JsonNode earlier : task.path("fileOrder")) {
                String other = earlier.path("task").asText();
                if (!startedAfter(repo, mergeOf.get(id), mergeOf.get(other))
                        && !startedAfter(repo, mergeOf.get(other), mergeOf.get(id))) {
                    wrong.add(id + " and " + other + " both write "
                            + earlier.path("file").asText() + " but ran at the same time");
                }
            }
        }
        for (String[] edge : statedEdges) {
            checkOrder(repo, mergeOf, order, edge[0], edge[1], "is stated to wait for", wrong);
        }
        assertThat(wrong).as(file + ": merge order on main " + order).isEmpty();

        // the merged work is on main and every task's test passes there
        Path checkout = WORK.resolve("checkouts").resolve(repo.getFileName());
        GIT.run(WORK, "clone", "-q", "-b", "main", repo.toString(), checkout.toString());
        try (var testFiles = Files.list(checkout.resolve("test"))) {
            assertThat(testFiles.count())
                    .as(file + ": test files on main")
                    .isEqualTo(expected.open().size());
        }
        assertThat(run(checkout, "sh", "-c", TEST_COMMAND))
                .as(file + ": the tests on main")
                .isZero();

        assertThat(tasks).hasSize(expected.open().size());
        System.out.printf(
                "[spec examples] %s: %d tasks merged (%d items not planned, %d groups) in %.0f s; the test overrode"
                        + " %d spec-quality decisions and approved %d reviews (levels %s)%n",
                file,
                merges.size(),
                expected.notPlanned().size(),
                expected.groups().size(),
                seconds,
                run.decisionsOverridden.get(),
                run.reviewsApproved.get(),
                new TreeSet<>(run.reviewLevels));
        return spec;
    }

    /** {@code after} merged after {@code before}, and its work started from a main holding {@code before}'s merge. */
    private static void checkOrder(
            Path repo,
            Map<String, Merge> mergeOf,
            List<String> order,
            String before,
            String after,
            String how,
            List<String> wrong) {
        if (!mergeOf.containsKey(before) || !mergeOf.containsKey(after)) {
            wrong.add(after + " " + how + " " + before + ", but one of them is not merged");
        } else if (order.indexOf(before) > order.indexOf(after)) {
            wrong.add(after + " " + how + " " + before + " but merged first");
        } else if (!startedAfter(repo, mergeOf.get(after), mergeOf.get(before))) {
            wrong.add(after + " " + how + " " + before + " but its work did not start from a main holding " + before);
        }
    }

    /** Whether {@code later}'s task commit descends from {@code earlier}'s merge commit. */
    private static boolean startedAfter(Path repo, Merge later, Merge earlier) {
        return GIT.exec(GitCommand.in(repo, "merge-base", "--is-ancestor", earlier.commit(), later.taskCommit()))
                .ok();
    }

    /** A merge on main's first-parent line: the task it merged, the merge commit and the task's own commit. */
    record Merge(String task, String commit, String taskCommit) {}

    /** Main's merges of the spec's tasks, oldest first. */
    private static List<Merge> merges(Path repo, String specId) {
        String log = GIT.run(
                        repo,
                        "log",
                        "--reverse",
                        "--first-parent",
                        "--merges",
                        "--format=%H %P %(trailers:key=Forgeline-Task,valueonly,separator=)",
                        "main")
                .stdout();
        List<Merge> merges = new ArrayList<>();
        for (String line : log.split("\n")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length == 4 && parts[3].startsWith(specId + "/")) {
                merges.add(new Merge(parts[3].substring(specId.length() + 1), parts[0], parts[2]));
            }
        }
        return merges;
    }

    // ---- the person in the loop --------------------------------------------------------------------------------

    /**
     * One look at what waits for a person: spec-quality decisions of the test's specs are overridden (the files are
     * taken as written), reviews waiting for a person are approved; any other decision is a failure and is left
     * open for the file's case to report.
     */
    private static void playThePerson() {
        try {
            for (JsonNode decision : get(stack.url(ServiceKind.PLANNER), "/decisions")) {
                Run run = RUNS.get(decision.path("specId").asText());
                if (run == null) {
                    continue;
                }
                String kind = decision.path("kind").asText();
                String task = decision.path("taskId").asText();
                if (!kind.equals("SPEC_QUALITY")) {
                    String problem = kind + " decision for " + task + ": "
                            + decision.path("question").asText();
                    if (!run.problems.contains(problem)) {
                        run.problems.add(problem);
                    }
                    continue;
                }
                HttpResponse<String> answered = post(
                        stack.url(ServiceKind.PLANNER),
                        "/decisions/" + decision.path("id").asText(),
                        "{\"action\":\"override\",\"reason\":\"taken as written in " + run.file
                                + "\",\"decidedBy\":\"system-test\"}");
                if (answered.statusCode() == 200) {
                    run.decisionsOverridden.incrementAndGet();
                } else if (answered.statusCode() != 409) {
                    run.problems.add(
                            "override of " + task + " answered " + answered.statusCode() + ": " + answered.body());
                }
            }
            for (JsonNode review : get(stack.url(ServiceKind.REVIEW), "/reviews/pending")) {
                Run run = RUNS.get(review.path("specId").asText());
                if (run == null) {
                    continue;
                }
                String task = review.path("taskId").asText();
                HttpResponse<String> approved = post(
                        stack.url(ServiceKind.REVIEW),
                        "/reviews/" + run.specId + "/" + task + "/approve",
                        "{\"reviewer\":\"system-test\",\"comment\":\"simulated change reviewed\"}");
                if (approved.statusCode() == 200) {
                    run.reviewsApproved.incrementAndGet();
                    run.reviewLevels.add(review.path("level").asInt());
                } else if (approved.statusCode() != 409) {
                    run.problems.add(
                            "approval of " + task + " answered " + approved.statusCode() + ": " + approved.body());
                }
            }
        } catch (Exception e) {
            // a slow answer is tried again on the next look; the case's own wait reports what never moved
            System.out.println("[spec examples] person in the loop: " + e);
        }
    }

    private static List<JsonNode> openDecisions(String specId) throws Exception {
        List<JsonNode> open = new ArrayList<>();
        for (JsonNode d : get(stack.url(ServiceKind.PLANNER), "/decisions")) {
            if (specId.equals(d.path("specId").asText())) {
                open.add(d);
            }
        }
        return open;
    }

    // ---- what the file says ------------------------------------------------------------------------------------

    /**
     * The plan a file asks for, read here independently of the planner by the rules of docs/specs.md: spec-kit's
     * open {@code - [ ] T001} items; Kiro's open items ({@code [ ]} or in progress {@code [-]}) that are not
     * parents, not optional (unless {@code Optional: include}) and not checkpoints.
     *
     * @param open       the ids to be planned, in file order
     * @param notPlanned done, skipped, optional and checkpoint items
     * @param groups     Kiro parents with planned children
     */
    record Expected(List<String> open, Set<String> notPlanned, Set<String> groups) {
        private static final Pattern SPECKIT = Pattern.compile("^\\s*[-*]\\s+\\[([ xX~])\\]\\s+(T\\d+[A-Za-z]?)\\b.*$");
        private static final Pattern KIRO =
                Pattern.compile("^(\\s*)[-*]\\s+\\[([ xX~-])\\](\\*?)\\s+(\\d+(?:\\.\\d+)*)\\.?\\s+(.*)$");
        private static final Pattern BULLET = Pattern.compile("^\\s*[-*]\\s+.*");

        static Expected fromFile(String text) {
            List<String> lines = text.lines().toList();
            boolean speckit = lines.stream().anyMatch(l -> SPECKIT.matcher(l).matches());
            return speckit ? speckit(lines) : kiro(lines);
        }

        private static Expected speckit(List<String> lines) {
            List<String> open = new ArrayList<>();
            Set<String> notPlanned = new LinkedHashSet<>();
            boolean fence = false;
            for (String line : lines) {
                if (line.strip().startsWith("```")) {
                    fence = !fence;
                }
                Matcher m = SPECKIT.matcher(line);
                if (!fence && m.matches()) {
                    (m.group(1).equals(" ") ? open : notPlanned).add(m.group(2));
                }
            }
            return new Expected(open, notPlanned, Set.of());
        }

        private record Item(String id, int indent, boolean open, boolean optional, String title, boolean bullets) {}

        private static Expected kiro(List<String> lines) {
            boolean includeOptional = lines.stream().anyMatch(l -> l.strip().matches("(?i)optional\\s*:\\s*include"));
            List<Item> items = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = KIRO.matcher(lines.get(i));
                if (!m.matches()) {
                    continue;
                }
                boolean bullets = false;
                for (int j = i + 1;
                        j < lines.size() && !KIRO.matcher(lines.get(j)).matches();
                        j++) {
                    if (lines.get(j).startsWith("#") || lines.get(j).strip().equals("---")) {
                        break;
                    }
                    bullets |= BULLET.matcher(lines.get(j)).matches();
                }
                String box = m.group(2);
                items.add(new Item(
                        m.group(4),
                        m.group(1).length(),
                        box.equals(" ") || box.equals("-"),
                        !m.group(3).isEmpty(),
                        m.group(5),
                        bullets));
            }
            List<String> open = new ArrayList<>();
            Set<String> notPlanned = new LinkedHashSet<>();
            Set<String> groups = new LinkedHashSet<>();
            for (Item it : items) {
                // a parent: an open, planned child nested under it, or numbered under it when it has no text
                boolean parent = items.stream()
                        .anyMatch(c -> c.id().startsWith(it.id() + ".")
                                && (c.indent() > it.indent() || !it.bullets())
                                && c.open()
                                && (!c.optional() || includeOptional));
                boolean checkpoint = it.title().matches("(?i)^\\**(final\\s+)?checkpoint\\b.*");
                if (parent) {
                    groups.add(it.id());
                } else if (it.open() && !checkpoint && (!it.optional() || includeOptional)) {
                    open.add(it.id());
                } else {
                    notPlanned.add(it.id());
                }
            }
            return new Expected(open, notPlanned, groups);
        }
    }

    private static List<String[]> edges(String... pairs) {
        return Arrays.stream(pairs).map(p -> p.split(">")).toList();
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** Every task {@code task} waits for, directly or not, by the planner's dependsOn. */
    private static Set<String> dependencyClosure(Map<String, JsonNode> tasks, String task) {
        Set<String> seen = new HashSet<>();
        List<String> todo = new ArrayList<>(List.of(task));
        while (!todo.isEmpty()) {
            JsonNode t = tasks.get(todo.remove(todo.size() - 1));
            if (t != null) {
                t.path("dependsOn").forEach(d -> {
                    if (seen.add(d.asText())) {
                        todo.add(d.asText());
                    }
                });
            }
        }
        return seen;
    }

    private static Map<String, JsonNode> byId(JsonNode spec) {
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        spec.path("tasks").forEach(t -> byId.put(t.path("taskId").asText(), t));
        return byId;
    }

    private static List<String> ids(JsonNode spec) {
        return new ArrayList<>(byId(spec).keySet());
    }

    private static Map<String, String> states(JsonNode spec) {
        Map<String, String> states = new LinkedHashMap<>();
        spec.path("tasks")
                .forEach(t ->
                        states.put(t.path("taskId").asText(), t.path("state").asText()));
        return states;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = SpecExamplesToMainIT.class.getResourceAsStream("/" + name)) {
            assertThat(in).as(name + " on the test classpath").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static JsonNode get(URI service, String path) throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(service.resolve(path))
                        .header("Authorization", "Bearer " + stack.adminToken())
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            fail("GET " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> post(URI service, String path, String json) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(service.resolve(path))
                        .header("Authorization", "Bearer " + stack.adminToken())
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Path targetRepository(String name) throws IOException {
        return ScratchFiles.targetRepository(WORK.resolve("repos").resolve(name), name);
    }
}
