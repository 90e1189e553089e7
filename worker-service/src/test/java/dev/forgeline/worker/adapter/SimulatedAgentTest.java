package dev.forgeline.worker.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.forgeline.contracts.payload.TaskReady;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedAgentTest {
    private static final String PROMPT = "x".repeat(400);

    @TempDir
    Path first;

    @TempDir
    Path second;

    private static TaskReady task(String taskId, String title) {
        return new TaskReady(
                "textkit-3f9a1c2b",
                "textkit",
                taskId,
                title,
                "desc",
                List.of(),
                null,
                60,
                List.of(),
                "/repo",
                "main",
                0,
                Map.of(),
                null);
    }

    private static AgentRun run(Path worktree, TaskReady task) {
        return new SimulatedAgent()
                .run(new AgentInvocation(worktree, PROMPT, task, Instant.now().plusSeconds(60)));
    }

    @Test
    void theSlugIsTheLowerCasedIdWithOtherCharactersReplaced() {
        assertThat(SimulatedAgent.slug("Slug-ify.V2")).isEqualTo("slug_ify_v2");
        assertThat(SimulatedAgent.functionName("T1")).isEqualTo("t1");
        assertThat(SimulatedAgent.functionName("2fast")).isEqualTo("_2fast");
    }

    @Test
    void theSameTaskGivesTheSameFilesAndADifferentTaskDifferentOnes() throws Exception {
        TaskReady task = task("Slug-ify", "Turn titles into 'slugs' & $HOME");

        AgentRun a = run(first, task);
        AgentRun b = run(second, task);

        assertThat(a.exitCode()).isZero();
        assertThat(b.exitCode()).isZero();
        for (String file : List.of("lib/slug_ify.sh", "test/slug_ify_test.sh")) {
            assertThat(Files.readString(first.resolve(file))).isEqualTo(Files.readString(second.resolve(file)));
        }
        assertThat(a.usage()).isEqualTo(b.usage());
        assertThat(SimulatedAgent.expectedLine(task))
                .isEqualTo(SimulatedAgent.expectedLine(task))
                .isNotEqualTo(SimulatedAgent.expectedLine(task("Slug-ify", "Another title")))
                .isNotEqualTo(SimulatedAgent.expectedLine(task("Other", "Turn titles into 'slugs' & $HOME")));
    }

    @Test
    void usageCountsCharactersAsTokensAndCostsNothing() throws Exception {
        AgentRun run = run(first, task("T1", "First task"));

        long written = Files.readString(first.resolve("lib/t1.sh")).length()
                + Files.readString(first.resolve("test/t1_test.sh")).length();
        assertThat(run.usage().adapter()).isEqualTo("simulated");
        assertThat(run.usage().model()).isEqualTo("simulated");
        assertThat(run.usage().inputTokens()).isEqualTo(100);
        assertThat(run.usage().outputTokens()).isEqualTo(written / 4);
        assertThat(run.usage().costUsd()).isEqualByComparingTo(BigDecimal.ZERO);
    }

    @Test
    void theGeneratedTestPassesWithShAndFailsWhenTheFunctionIsWrong() throws Exception {
        TaskReady task = task("Slug-ify", "Turn titles into 'slugs' & $HOME");
        run(first, task);

        Result pass = sh(first, "test/slug_ify_test.sh");
        assertThat(pass.exitCode()).as(pass.output()).isZero();
        assertThat(pass.output()).contains("PASS");
        // the library really prints the expected line (the test is not a tautology)
        Result printed = sh(first, "-c", ". lib/slug_ify.sh && slug_ify");
        assertThat(printed.output().strip()).isEqualTo(SimulatedAgent.expectedLine(task));

        Files.writeString(first.resolve("lib/slug_ify.sh"), "slug_ify() { echo wrong; }\n", StandardCharsets.UTF_8);
        Result fail = sh(first, "test/slug_ify_test.sh");
        assertThat(fail.exitCode()).isEqualTo(1);
        assertThat(fail.output()).contains("FAIL", "wrong");
    }

    @Test
    void theGeneratedTestFindsItsLibraryFromAnyWorkingDirectory() throws Exception {
        run(first, task("T1", "First task"));

        Result fromTestDir = sh(first.resolve("test"), "t1_test.sh");
        assertThat(fromTestDir.exitCode()).as(fromTestDir.output()).isZero();
    }

    private record Result(int exitCode, String output) {}

    private static Result sh(Path directory, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("sh"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }
}
