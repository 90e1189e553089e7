package dev.forgeline.worker.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.forgeline.contracts.payload.TaskReady;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandAgentTest {
    private static final TaskReady TASK = new TaskReady(
            "spec-1",
            "Spec",
            "T1",
            "Do it",
            "",
            List.of(),
            "true",
            60,
            List.of(),
            "/nowhere",
            "main",
            0,
            Map.of(),
            null);

    @TempDir
    Path worktree;

    private AgentRun run(String command, String prompt, Duration timeLimit) throws InterruptedException {
        return new CommandAgent(command, 40)
                .run(new AgentInvocation(worktree, prompt, TASK, Instant.now().plus(timeLimit)));
    }

    @Test
    void promptArrivesOnStdinAndTheWorktreeIsTheWorkingDirectory() throws Exception {
        String prompt = "# Task T1\nmake the tests pass\nline three: ünïcødé\n";

        AgentRun run = run("cat > prompt.txt && pwd > cwd.txt && echo done", prompt, Duration.ofSeconds(30));

        assertThat(run.exitCode()).isZero();
        assertThat(run.timedOut()).isFalse();
        assertThat(run.outputTail()).isEqualTo("done");
        assertThat(run.usage().adapter()).isEqualTo("command");
        assertThat(Files.readString(worktree.resolve("prompt.txt"))).isEqualTo(prompt);
        assertThat(Path.of(Files.readString(worktree.resolve("cwd.txt")).strip())
                        .toRealPath())
                .isEqualTo(worktree.toRealPath());
    }

    @Test
    void aCommandRunningPastItsDeadlineIsKilledWithEveryProcessItStarted() throws Exception {
        Instant started = Instant.now();

        AgentRun run = run("sleep 300 & echo $! > child.pid; sleep 300", "", Duration.ofSeconds(2));

        assertThat(run.timedOut()).isTrue();
        assertThat(Duration.between(started, Instant.now())).isLessThan(Duration.ofSeconds(60));
        long childPid =
                Long.parseLong(Files.readString(worktree.resolve("child.pid")).strip());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(ProcessHandle.of(childPid).filter(ProcessHandle::isAlive))
                    .isEmpty();
            assertThat(ProcessHandle.current()
                            .descendants()
                            .filter(p -> p.info().commandLine().orElse("").contains("sleep 300"))
                            .toList())
                    .isEmpty();
        });
    }

    @Test
    void aNonZeroExitIsReportedWithTheOutputTail() throws Exception {
        AgentRun run = run("echo 'first line'; echo 'it broke' >&2; exit 7", "", Duration.ofSeconds(30));

        assertThat(run.exitCode()).isEqualTo(7);
        assertThat(run.timedOut()).isFalse();
        assertThat(run.outputTail()).isEqualTo("first line\nit broke");
    }

    @Test
    void theTailKeepsOnlyTheLastLines() throws Exception {
        AgentRun run = new CommandAgent("for i in 1 2 3 4 5 6; do echo line$i; done", 3)
                .run(new AgentInvocation(worktree, "", TASK, Instant.now().plusSeconds(30)));

        assertThat(run.outputTail()).isEqualTo("line4\nline5\nline6");
    }

    @Test
    void variablesNamedLikeSecretsDoNotReachTheAgent() throws Exception {
        // set by surefire for this module (see pom.xml): the test would prove nothing without them
        assertThat(System.getenv())
                .containsKeys("FORGELINE_TEST_SECRET", "FORGELINE_TEST_API_TOKEN", "FORGELINE_TEST_PLAIN");

        AgentRun run = run("env > env.txt", "", Duration.ofSeconds(30));

        assertThat(run.exitCode()).isZero();
        String environment = Files.readString(worktree.resolve("env.txt"));
        assertThat(environment).contains("FORGELINE_TEST_PLAIN=visible-to-agents");
        assertThat(environment)
                .doesNotContain(
                        "FORGELINE_TEST_SECRET", "do-not-leak-secret", "FORGELINE_TEST_API_TOKEN", "do-not-leak-token");
    }

    @Test
    void secretsTheAgentPrintsAreMaskedInItsOutput() throws Exception {
        AgentRun run = run(
                "echo 'export API_KEY=abc123def456'; echo 'Authorization: Bearer abcdefghijklmnop'",
                "",
                Duration.ofSeconds(30));

        assertThat(run.outputTail())
                .doesNotContain("abc123def456", "abcdefghijklmnop")
                .contains("API_KEY=***", "Bearer ***");
    }

    @Test
    void withoutACommandTheRunFailsInsteadOfPretending() throws Exception {
        AgentRun run = new CommandAgent(null, 40)
                .run(new AgentInvocation(worktree, "", TASK, Instant.now().plusSeconds(30)));

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.outputTail()).contains("agent-command");
    }
}
