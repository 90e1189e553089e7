package dev.forgeline.systemtest;

import static dev.forgeline.systemtest.ScratchFiles.deleteRecursively;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeline.stack.ServiceKind;
import dev.forgeline.systemtest.CommandLineRunner.Run;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The commands that run a stack themselves: {@code up} (in the background, on the default ports 8081..8085, its data
 * kept between runs unless {@code --fresh}), {@code down} and {@code demo}, each run by the packaged command line in a
 * Forgeline home of its own. The home links the packaged services and the examples of the source tree, so the
 * commands find them as they do in a checkout.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliLifecycleIT {
    private static final Path HOME = ScratchFiles.HOME;
    private static final Path CLI_HOME = HOME.resolve("system-test/target/cli-lifecycle-it");
    private static final Path STACK = CLI_HOME.resolve(".forgeline/stack");
    private static final CommandLineRunner CLI = new CommandLineRunner(CLI_HOME, "cli-lifecycle");
    /** {@code up} and {@code demo} start in about half a minute on a quiet machine; a busy one takes longer. */
    private static final Duration START_UP = Duration.ofMinutes(4);

    private static String specBeforeDown;

    @BeforeAll
    static void prepareHome() throws IOException {
        deleteRecursively(CLI_HOME);
        Files.createDirectories(CLI_HOME);
        for (ServiceKind kind : ServiceKind.values()) {
            Files.createSymbolicLink(CLI_HOME.resolve(kind.module()), HOME.resolve(kind.module()));
        }
        Files.createSymbolicLink(CLI_HOME.resolve("examples"), HOME.resolve("examples"));
        ScratchFiles.targetRepository(CLI_HOME.resolve("repo"), "CLI lifecycle");
    }

    /** Whatever a failed test left running is stopped. */
    @AfterAll
    static void stopWhatRuns() {
        if (Files.exists(STACK.resolve("stack.properties"))) {
            CLI.run("down");
        }
    }

    @Test
    @Order(1)
    void upRunsTheStackInTheBackgroundAndKeepsItsDataAcrossDownAndUp() throws IOException {
        Run up = CLI.ok(null, START_UP, "up");
        for (ServiceKind kind : ServiceKind.values()) {
            assertThat(up.out()).contains(kind.module()).contains("http://localhost:" + kind.defaultPort());
        }
        // up has ended; the stack it started answers
        Path spec = Files.writeString(CLI_HOME.resolve("kept.md"), """
                # Spec: Kept
                Repository: ./repo
                Base-branch: main

                ## Task: kept - Kept greeting
                Add a greeting script that prints a greeting, so that users are greeted after a restart too.
                Files: lib/kept.sh
                Inputs: none
                Outputs: the greeting on standard output
                Acceptance: sh test/kept_test.sh prints PASS
                Test command: sh test/kept_test.sh
                Estimate: 2m
                """);
        specBeforeDown =
                CLI.ok("submit", "--json", spec.toString()).json().path("id").asText();
        assertThat(specBeforeDown).isNotBlank();
        assertThat(CLI.ok("status", "--watch", specBeforeDown).out()).contains("MERGED");

        Run again = CLI.run("up");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("a local stack is already running");

        downStopsEveryProcessOfTheStack();

        CLI.ok(null, START_UP, "up");
        JsonNode kept = CLI.ok("status", specBeforeDown, "--json").json();
        assertThat(kept.path("id").asText()).isEqualTo(specBeforeDown);
        assertThat(kept.path("tasks").get(0).path("state").asText()).isEqualTo("MERGED");
        assertThat(CLI.ok("status").out()).contains("spec " + specBeforeDown + " (Kept)");
    }

    @Test
    @Order(2)
    void upFreshStartsOnEmptyData() throws IOException {
        assertThat(specBeforeDown).as("the spec of the first up").isNotNull();
        downStopsEveryProcessOfTheStack();

        CLI.ok(null, START_UP, "up", "--fresh");
        assertThat(CLI.ok("status", "--json").json()).isEmpty();
        Run gone = CLI.run("status", specBeforeDown);
        assertThat(gone.exit()).isEqualTo(1);
        assertThat(gone.err()).contains("answered 404");

        downStopsEveryProcessOfTheStack();
        Run noStack = CLI.ok("down");
        assertThat(noStack.out()).isEqualTo("no local stack is running\n");
    }

    /**
     * The demo on its defaults (the textkit spec and repository of the examples): it starts a fresh stack, follows
     * the spec until every task merged, prints the summary and the merged main, and stops what it started.
     */
    @Test
    @Order(3)
    void demoRunsTheTextkitSpecToMainAndStopsWhatItStarted() {
        Run demo = CLI.ok(null, START_UP.plusMinutes(5), "demo");
        assertThat(demo.out())
                .contains("submitted examples/specs/textkit.md")
                .containsPattern("slugify\\s+MERGED")
                .containsPattern("word-count\\s+MERGED")
                .containsPattern("title-report\\s+MERGED")
                .containsPattern("summary of \\S+: 3 tasks \\([^)]*MERGED 3")
                .contains("merged repository: file://")
                .contains("\nstopped\n");
        List<String> mainLog = demo.out()
                .lines()
                .dropWhile(l -> !l.startsWith("merged repository: "))
                .skip(1)
                .takeWhile(l -> l.startsWith("  "))
                .toList();
        // three merges on top of the example's first commit
        assertThat(mainLog).hasSizeGreaterThan(3);
        assertThat(portsInUse())
                .as("ports of the demo's services after it ended")
                .isEmpty();
    }

    /**
     * {@code down}: every process of the stack ends before it returns: the background {@code serve} JVM and what it
     * started (the five services, the broker's JVM) and the PostgreSQL server with its backends.
     */
    private static void downStopsEveryProcessOfTheStack() throws IOException {
        Map<String, ProcessHandle> processes = stackProcesses();
        assertThat(processes.keySet())
                .as("the stack's processes")
                // the broker's JVM is one of serve's descendants; its command line, a long class path, is cut
                // before its main class, so it is not looked for by name
                .containsAll(LONG_LIVED);
        // the long-lived ones must be running; a descendant (a service's git child, a PostgreSQL backend) may end
        // by itself between the listing and this check, and only has to be gone after down
        processes.entrySet().stream()
                .filter(e -> LONG_LIVED.contains(e.getKey()))
                .forEach(e -> assertThat(e.getValue().isAlive())
                        .as("%s (%d) before down", e.getKey(), e.getValue().pid())
                        .isTrue());

        assertThat(CLI.ok("down").out()).isEqualTo("local stack stopped\n");

        List<String> alive = new ArrayList<>();
        processes.forEach((name, process) -> {
            if (process.isAlive()) {
                alive.add(name + " (" + process.pid() + ")");
            }
        });
        assertThat(alive).as("processes of the stack left after down").isEmpty();
        assertThat(STACK.resolve("stack.properties")).doesNotExist();
        assertThat(portsInUse()).as("service ports after down").isEmpty();
    }

    /**
     * The running stack's processes by name: those its stack file records, every descendant of the {@code serve}
     * JVM (named by its command line), and the postmaster (which {@code pg_ctl} leaves without a parent) with its
     * backends.
     */
    private static final Set<String> LONG_LIVED =
            Set.of("serve", "planner", "dispatcher", "worker", "review", "metrics", "postmaster");

    private static Map<String, ProcessHandle> stackProcesses() throws IOException {
        Properties file = new Properties();
        try (var in = Files.newBufferedReader(STACK.resolve("stack.properties"))) {
            file.load(in);
        }
        Map<String, ProcessHandle> processes = new LinkedHashMap<>();
        ProcessHandle serve = process(file.getProperty("pid"));
        processes.put("serve", serve);
        for (ServiceKind kind : ServiceKind.values()) {
            String name = kind.name().toLowerCase();
            processes.put(name, process(file.getProperty(name + ".pid")));
        }
        serve.descendants().forEach(p -> processes.putIfAbsent(commandLine(p), p));
        ProcessHandle postmaster = process(Files.readAllLines(STACK.resolve("postgres/postmaster.pid"))
                .get(0)
                .strip());
        processes.put("postmaster", postmaster);
        postmaster.descendants().forEach(p -> processes.putIfAbsent(commandLine(p), p));
        return processes;
    }

    private static ProcessHandle process(String pid) {
        assertThat(pid).as("a process id").isNotNull();
        return ProcessHandle.of(Long.parseLong(pid))
                .orElseThrow(() -> new AssertionError("process " + pid + " is not running"));
    }

    private static String commandLine(ProcessHandle process) {
        return process.pid() + " " + process.info().commandLine().orElse("?");
    }

    /** The services' default ports something still listens on. */
    private static List<Integer> portsInUse() {
        List<Integer> inUse = new ArrayList<>();
        for (ServiceKind kind : ServiceKind.values()) {
            try (ServerSocket socket = new ServerSocket(kind.defaultPort())) {
                // free
            } catch (IOException e) {
                inUse.add(kind.defaultPort());
            }
        }
        return inUse;
    }
}
