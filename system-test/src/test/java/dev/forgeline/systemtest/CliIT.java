package dev.forgeline.systemtest;

import static dev.forgeline.systemtest.ScratchFiles.deleteRecursively;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeline.stack.LocalStack;
import dev.forgeline.stack.ServiceKind;
import dev.forgeline.systemtest.CommandLineRunner.Run;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code ./forgeline} against a running stack: the packaged command line ({@link CommandLineRunner}) runs as a child
 * process, finds the stack through its stack file as it would after {@code ./forgeline up}, and each
 * command is checked for its output and exit code.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliIT {
    private static final Path HOME = ScratchFiles.HOME;
    /** The command line's Forgeline home: the stack runs in its {@code .forgeline/stack}, as {@code up} runs it. */
    private static final Path CLI_HOME = HOME.resolve("system-test/target/cli-it");

    private static final CommandLineRunner CLI = new CommandLineRunner(CLI_HOME, "cli");

    private static final String WORKER = "cli-worker";
    private static LocalStack stack;
    private static Path repo;
    /** The spec with a vague task, a task a person reviews and one no node can take. */
    private static String peopleSpec;

    @BeforeAll
    static void startStack() throws IOException {
        deleteRecursively(CLI_HOME);
        stack = LocalStack.start(
                new LocalStack.Options(
                        HOME,
                        CLI_HOME.resolve(".forgeline/stack"),
                        false,
                        WORKER,
                        2,
                        "simulated",
                        // a breaker opens on two attempts that blame a node or a profile, not twenty
                        Map.of("FORGELINE_DISPATCHER_BREAKER_MIN_ATTEMPTS", "2")),
                message -> System.out.println("[cli] " + message));
        repo = ScratchFiles.targetRepository(CLI_HOME.resolve("repo"), "CLI");
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    /** Runs the packaged command line with these arguments and returns its exit code and output. */
    private static Run cli(String... args) {
        return CLI.run(args);
    }

    /** Runs the command line with {@code FORGELINE_TOKEN} set to this token (none: the stack's admin-token file). */
    private static Run cliWithToken(String token, String... args) {
        return CLI.run(token, Duration.ofMinutes(3), args);
    }

    private static Run ok(String... args) {
        return CLI.ok(args);
    }

    @Test
    @Order(1)
    void helpAndVersionExitZeroAndAnUnknownOptionExitsTwo() {
        assertThat(ok("help").out()).contains("decisions", "reviews", "tasks", "nodes", "breakers", "holds");
        assertThat(ok("reviews", "request-changes", "--help").out()).contains("--comment=TEXT");
        assertThat(ok("--version").out())
                .startsWith("forgeline ")
                .doesNotContain("unknown")
                .doesNotContain("${");

        Run unknown = cli("nodes", "list", "--colour");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err().lines())
                .containsExactly("forgeline nodes list: Unknown option: '--colour' (forgeline nodes list --help)");
    }

    @Test
    @Order(2)
    void submitThenStatusWatchFollowsTheSpecToItsEnd() throws IOException {
        Path spec = Files.writeString(CLI_HOME.resolve("one.md"), """
                # Spec: One task
                Repository: ./repo
                Base-branch: main

                ## Task: hello - Greeting
                Add a greeting script that prints a greeting, so that users are greeted.
                Files: lib/hello.sh
                Inputs: none
                Outputs: the greeting on standard output
                Acceptance: sh test/hello_test.sh prints PASS
                Test command: sh test/hello_test.sh
                Estimate: 2m
                """);
        // the options before the file
        Run submitted = ok("submit", "--repo", repo.toString(), "--json", spec.toString());
        String specId = submitted.json().path("id").asText();
        assertThat(specId).isNotBlank();

        Run watched = ok("status", "--watch", specId);
        assertThat(watched.out())
                .contains("spec " + specId + " (One task)")
                .contains("hello")
                .contains("MERGED");

        JsonNode status = ok("status", specId, "--json").json();
        assertThat(status.path("id").asText()).isEqualTo(specId);
        assertThat(status.path("tasks").get(0).path("state").asText()).isEqualTo("MERGED");

        assertThat(ok("status").out()).contains("spec " + specId).contains("summary: ");

        // the merged task's attempt: its node, from the dispatcher
        Run shown = ok("tasks", "show", specId, "hello");
        assertThat(shown.out()).contains("task " + specId + "/hello: MERGED").contains("attempt 1 on " + WORKER);
        JsonNode task = ok("tasks", "show", specId + "/hello", "--json").json();
        assertThat(task.path("attempts").get(0).path("nodeName").asText()).isEqualTo(WORKER);

        // the report of the spec, and a bad week as the metrics service's problem
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> assertThat(cli("report", "--spec", specId).out()).contains(specId));
        Run badWeek = cli("report", "--week", "2026-13-45");
        assertThat(badWeek.exit()).isEqualTo(1);
        assertThat(badWeek.err()).startsWith("error: ").contains("answered 400");

        // per-hop latencies of what the stack has seen, from its broker
        assertThat(ok("latency").out()).contains("tasks merged: 1");
    }

    @Test
    @Order(3)
    void lintReportsAVagueTaskWithExitOneAndAGoodSpecWithZero() throws IOException {
        Path vague = Files.writeString(CLI_HOME.resolve("vague.md"), """
                # Spec: Vague
                Repository: ./repo

                ## Task: tidy - Tidy up
                Improve things.
                Test command: sh test/tidy_test.sh
                """);
        Run linted = cli("lint", vague.toString());
        assertThat(linted.exit()).as(linted.err()).isEqualTo(1);
        assertThat(linted.out()).contains("tidy").contains("VAGUE");
        assertThat(ok("lint", CLI_HOME.resolve("one.md").toString()).out()).contains("hello");
        JsonNode report = cli("lint", "--json", vague.toString()).json();
        assertThat(report.path("tasks").get(0).path("qualityClass").asText()).isEqualTo("VAGUE");
    }

    @Test
    @Order(4)
    void aDecisionIsListedAndAnsweredAndASecondAnswerIsRefused() throws IOException {
        Path spec = Files.writeString(CLI_HOME.resolve("people.md"), """
                # Spec: People
                Base-branch: main

                ## Task: tidy - Tidy up
                Improve things.
                Test command: sh test/tidy_test.sh

                ## Task: auth - Login banner
                Print the banner the login screen of the auth module shows, so that users see which system they log into.
                Files: lib/auth.sh
                Inputs: none
                Outputs: the banner text on standard output
                Acceptance: sh test/auth_test.sh prints PASS
                Test command: sh test/auth_test.sh
                Estimate: 2m

                ## Task: authreset - Password reset banner
                Print the banner the password reset screen of the auth module shows, so that users know where they are.
                Files: lib/authreset.sh
                Inputs: none
                Outputs: the banner text on standard output
                Acceptance: sh test/authreset_test.sh prints PASS
                Test command: sh test/authreset_test.sh
                Estimate: 2m

                ## Task: plan9 - Plan 9 banner
                Print the banner of the login screen on Plan 9 terminals, so that users there see the system name.
                Files: lib/plan9.sh
                Inputs: none
                Outputs: the banner text on standard output
                Requires: os=plan9
                Acceptance: sh test/plan9_test.sh prints PASS
                Test command: sh test/plan9_test.sh
                Estimate: 2m
                """);
        peopleSpec = ok("submit", spec.toString(), "--repo", repo.toString())
                .out()
                .lines()
                .findFirst()
                .orElseThrow()
                .split(" ")[1];

        JsonNode decision =
                await().atMost(Duration.ofSeconds(30)).until(() -> findDecision(peopleSpec, "tidy"), d -> d != null);
        String id = decision.path("id").asText();
        assertThat(ok("decisions", "list").out())
                .contains(id)
                .contains(peopleSpec + "/tidy")
                .contains("SPEC_QUALITY");
        assertThat(ok("tasks", "show", peopleSpec, "tidy").out())
                .contains("NEEDS_DECISION")
                .contains("waits: WAITING_FOR_DECISION");

        Path amendment = Files.writeString(CLI_HOME.resolve("tidy.md"), """
                Print a tidy-up notice so that users know old files were removed.
                Files: lib/tidy.sh
                Inputs: none
                Outputs: the notice on standard output
                Acceptance: sh test/tidy_test.sh prints PASS
                Test command: sh test/tidy_test.sh
                Estimate: 2m
                """);
        Run answered =
                ok("decisions", "answer", id, "--choice", "amend", "--text-file", amendment.toString(), "--by", "ana");
        // with tokens on, the decision is recorded under the token's name whatever --by claims
        assertThat(answered.out())
                .contains("decision " + id)
                .contains("by admin")
                .doesNotContain("by ana");

        Run again = cli("decisions", "answer", id, "--choice", "override", "--comment", "again");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err().lines().findFirst().orElseThrow())
                .startsWith("error: ")
                .contains("/decisions/" + id + " answered 409");

        JsonNode all = ok("decisions", "list", "--all", "--json").json();
        assertThat(all.findValuesAsText("id")).contains(id);
    }

    @Test
    @Order(5)
    void aTaskNoNodeCanTakeShowsWhyAndIsCancelledRetriedAndCancelled() {
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(
                                cli("tasks", "show", peopleSpec, "plan9").out())
                        .contains("waits: NO_MATCHING_NODE"));
        assertThat(ok("status", peopleSpec).out()).contains("waits: NO_MATCHING_NODE: no READY node offers os=plan9");

        assertThat(ok("tasks", "cancel", peopleSpec, "plan9", "--reason", "no Plan 9 terminals")
                        .out())
                .contains("task " + peopleSpec + "/plan9: CANCELLED");
        assertThat(ok("tasks", "retry", peopleSpec + "/plan9", "--json")
                        .json()
                        .path("state")
                        .asText())
                .isEqualTo("READY");
        Run retryAgain = cli("tasks", "retry", peopleSpec, "plan9");
        assertThat(retryAgain.exit()).isEqualTo(1);
        assertThat(retryAgain.err()).contains("answered 409");
        ok("tasks", "cancel", peopleSpec, "plan9");
    }

    @Test
    @Order(6)
    void reviewsWaitingForAPersonAreShownApprovedAndRejected() {
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    JsonNode pending =
                            cli("reviews", "list", "--pending", "--json").json();
                    assertThat(pending.findValuesAsText("taskId")).contains("auth", "authreset");
                });
        assertThat(ok("reviews", "list", "--pending").out())
                .contains(peopleSpec + "/auth")
                .contains("level");

        Run shown = ok("reviews", "show", peopleSpec + "/auth");
        assertThat(shown.out())
                .contains("review " + peopleSpec + "/auth attempt 1: PENDING")
                .contains("reason:");
        JsonNode detail = ok("reviews", "show", peopleSpec, "auth", "--json").json();
        assertThat(detail.path("level").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(detail.path("diff").asText()).contains("+++ ");

        // with tokens on, the decision is recorded under the token's identity (the stack's admin), not the typed name
        assertThat(ok("reviews", "approve", peopleSpec, "auth", "--comment", "banner reviewed", "--by", "bo")
                        .out())
                .contains("by admin")
                .doesNotContain("by bo");
        // changes requested: the task runs again and its second attempt waits for a person; that one is rejected
        assertThat(ok(
                                "reviews",
                                "request-changes",
                                peopleSpec,
                                "authreset",
                                "--comment",
                                "name the screen",
                                "--by",
                                "bo")
                        .out())
                .contains("review " + peopleSpec + "/authreset attempt 1")
                .contains("by admin");
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(cli("reviews", "show", peopleSpec, "authreset", "--json")
                                .json()
                                .path("attempt")
                                .asInt())
                        .isEqualTo(2));
        await().atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(cli("reviews", "show", peopleSpec, "authreset", "--json")
                                .json()
                                .path("state")
                                .asText())
                        .isEqualTo("PENDING"));
        assertThat(ok("reviews", "reject", peopleSpec + "/authreset", "--comment", "not wanted", "--by", "bo")
                        .out())
                .contains("REJECTED");
        Run twice = cli("reviews", "reject", peopleSpec, "authreset", "--comment", "again");
        assertThat(twice.exit()).isEqualTo(1);
        assertThat(twice.err()).contains("answered 409");

        Run watched = cli("status", "--watch", peopleSpec);
        assertThat(watched.exit()).as("not every task merged").isEqualTo(1);
        JsonNode states = ok("status", peopleSpec, "--json").json();
        List<String> ended = new ArrayList<>();
        states.path("tasks")
                .forEach(t -> ended.add(
                        t.path("taskId").asText() + "=" + t.path("state").asText()));
        assertThat(ended)
                .containsExactlyInAnyOrder("tidy=MERGED", "auth=MERGED", "authreset=REJECTED", "plan9=CANCELLED");
    }

    @Test
    @Order(7)
    void holdsArePausedListedAndLifted() {
        assertThat(ok("holds", "pause", "--reason", "maintenance").out()).startsWith("dispatch is held");
        JsonNode held = ok("holds", "list", "--json").json();
        assertThat(held.path("paused").asBoolean()).isTrue();
        assertThat(held.path("reasons").toString()).contains("maintenance");
        assertThat(ok("holds", "lift").out()).startsWith("dispatch runs");
        assertThat(ok("holds", "list").out()).startsWith("dispatch runs");
    }

    /**
     * A breaker opened the way the field opens one: the worker, restarted with a simulated agent that crashes every
     * time, crashes on two different tasks, which blames its node and its profile (the stack's dispatcher opens a
     * breaker after two such attempts instead of twenty). The command line lists the open breakers, and its JSON is
     * the API's answer as it is.
     */
    @Test
    @Order(8)
    void anOpenBreakerIsListedAsTheDispatcherHasIt() throws Exception {
        stack.process(ServiceKind.WORKER).kill();
        stack.restart(
                ServiceKind.WORKER,
                Map.of("FORGELINE_WORKER_SIMULATED_PROFILE", "custom", "FORGELINE_WORKER_SIMULATED_CRASH", "1"));
        Path spec = Files.writeString(CLI_HOME.resolve("crashing.md"), """
                # Spec: Crashing
                Base-branch: main

                ## Task: crash1 - First banner
                Print the first banner on standard output, so that users see where they are.
                Files: lib/crash1.sh
                Inputs: none
                Outputs: the banner on standard output
                Acceptance: sh test/crash1_test.sh prints PASS
                Test command: sh test/crash1_test.sh
                Estimate: 2m

                ## Task: crash2 - Second banner
                Print the second banner on standard output, so that users see where they are.
                Files: lib/crash2.sh
                Inputs: none
                Outputs: the banner on standard output
                Acceptance: sh test/crash2_test.sh prints PASS
                Test command: sh test/crash2_test.sh
                Estimate: 2m
                """);
        ok("submit", spec.toString(), "--repo", repo.toString());

        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> nodeBreakerState(stack.client().get(ServiceKind.DISPATCHER, "/breakers")), "OPEN"::equals);
        JsonNode api = stack.client().get(ServiceKind.DISPATCHER, "/breakers");
        JsonNode listed = ok("breakers", "list", "--json").json();
        assertThat(listed).isEqualTo(api);
        assertThat(nodeBreakerState(listed)).isEqualTo("OPEN");
        assertThat(ok("breakers", "list").out().lines())
                .anyMatch(line -> line.matches("NODE\\s+" + WORKER + "\\s+OPEN\\s+\\d+ failures of \\d+ attempts.*"));
    }

    /** The state of the worker's node breaker in a {@code GET /breakers} answer (null: it has none). */
    private static String nodeBreakerState(JsonNode breakers) {
        for (JsonNode b : breakers) {
            if ("NODE".equals(b.path("scope").asText())
                    && WORKER.equals(b.path("key").asText())) {
                return b.path("state").asText();
            }
        }
        return null;
    }

    @Test
    @Order(9)
    void nodesAreListedCordonedUncordonedAndDrained() {
        assertThat(ok("nodes", "list").out()).contains(WORKER).contains("READY");
        assertThat(ok("nodes", "cordon", WORKER).out()).contains("CORDONED");
        assertThat(ok("nodes", "list", "--json").json().findValuesAsText("status"))
                .containsExactly("CORDONED");
        assertThat(ok("nodes", "uncordon", WORKER).out()).contains("READY");
        assertThat(ok("nodes", "drain", WORKER, "--json").json().path("status").asText())
                .isEqualTo("DRAINING");
        Run unknown = cli("nodes", "drain", "no-such-node");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("answered 404");
    }

    @Test
    @Order(10)
    void aTokenMadeByTheTokenCommandIsHeldToItsRoleAndStopsWorkingWhenRevoked() {
        Run created = ok("token", "create", "cli-submitter", "--role", "submitter");
        String[] lines = created.out().strip().split("\n");
        String secret = lines[lines.length - 1].strip();
        assertThat(secret).startsWith("fl_");
        assertThat(ok("token", "list").out()).contains("cli-submitter").doesNotContain(secret);

        assertThat(okWithToken(secret, "nodes", "list").out()).contains(WORKER);
        Run refused = cliWithToken(secret, "nodes", "cordon", WORKER);
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("403");
        assertThat(ok("nodes", "list", "--json").json().findValuesAsText("status"))
                .doesNotContain("CORDONED");

        assertThat(ok("token", "revoke", "cli-submitter").out()).contains("revoked");
        Run revoked = cliWithToken(secret, "nodes", "list");
        assertThat(revoked.exit()).isEqualTo(1);
        assertThat(revoked.err()).contains("401");
        Run wrong = cliWithToken("fl_not-a-token", "nodes", "list");
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.err()).contains("401");
    }

    /** The node and task actions of the tests before are in the audit trail, under the admin token's name. */
    @Test
    @Order(11)
    void theAuditTrailListsWhoCordonedTheNodeAndCancelledTheTask() {
        JsonNode cordons = ok("audit", "--service", "dispatcher", "--action", "node.cordon", "--json")
                .json();
        assertThat(cordons).isNotEmpty();
        cordons.forEach(e -> {
            assertThat(e.path("service").asText()).isEqualTo("dispatcher");
            assertThat(e.path("action").asText()).isEqualTo("node.cordon");
            assertThat(e.path("actor").asText()).isEqualTo("admin");
        });
        assertThat(cordons.toString()).contains(WORKER);

        Run all = ok("audit", "--target", peopleSpec + "/plan9");
        assertThat(all.out().lines())
                .anyMatch(line -> line.contains("dispatcher") && line.contains("admin") && line.contains("task.cancel"))
                .anyMatch(line -> line.contains("task.retry"));

        Run badSince = cli("audit", "--since", "yesterday");
        assertThat(badSince.exit()).isEqualTo(1);
        assertThat(badSince.err()).contains("answered 400");
    }

    private static Run okWithToken(String token, String... args) {
        return CLI.ok(token, Duration.ofMinutes(3), args);
    }

    /** The decision the planner raised for the task, from {@code decisions list --json}. */
    private static JsonNode findDecision(String specId, String taskId) {
        for (JsonNode d : ok("decisions", "list", "--json").json()) {
            if (specId.equals(d.path("specId").asText())
                    && taskId.equals(d.path("taskId").asText())) {
                return d;
            }
        }
        return null;
    }
}
