package dev.forgeline.worker.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.worker.TestRepositories;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each CLI adapter runs a scripted executable standing in for the real CLI (it records its arguments, stdin and
 * key variable, edits a file and prints the recorded output of that CLI) in a real git worktree.
 */
class ScriptedCliAgentsTest {
    private static final String KEY = "sk-ant-api03-scriptedCanary0123456789abcdef";
    private static final TaskReady TASK = new TaskReady(
            "textkit-3f9a1c2b",
            "textkit",
            "slugify",
            "Slugify titles",
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
    private static final String PROMPT = "# Task slugify: Slugify titles\nmake it lower-case\n";

    @TempDir
    Path dir;

    Path worktree;
    Path record;

    @BeforeEach
    void worktree() throws Exception {
        Path repository = TestRepositories.create(dir.resolve("repos"));
        worktree = dir.resolve("worktrees").resolve("a1");
        TestRepositories.git(
                repository, "worktree", "add", "-q", "-b", "forgeline/x/slugify/a1", worktree.toString(), "main");
        record = Files.createDirectories(dir.resolve("record"));
    }

    /** A stand-in CLI: records what it was given, changes the worktree, prints the fixture, exits with the code. */
    private Path script(String name, String fixture, String keyVariable, int exitCode) throws Exception {
        Path script = dir.resolve(name);
        Files.writeString(
                script,
                "#!/bin/sh\n"
                        + "printf '%s\\n' \"$@\" > '" + record.resolve("args.txt") + "'\n"
                        + "cat > '" + record.resolve("stdin.txt") + "'\n"
                        + "printf '%s' \"$" + keyVariable + "\" > '" + record.resolve("key.txt") + "'\n"
                        + "pwd > '" + record.resolve("cwd.txt") + "'\n"
                        + "prev=''\nfor a in \"$@\"; do if [ \"$prev\" = '--message-file' ]; then cp \"$a\" '"
                        + record.resolve("message-file.txt") + "'; fi; prev=\"$a\"; done\n"
                        + "echo 'slug() { echo \"$1\" | tr A-Z a-z; }' > slug.sh\n"
                        + "cat '" + UsageParsersTest.fixture(fixture) + "'\n"
                        + "exit " + exitCode + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private AgentRun run(CliAgent agent, Path executable, String model, AgentProfile.Price price, String keyVariable)
            throws InterruptedException {
        AgentProfile profile = new AgentProfile(
                "p-" + agent.id(),
                agent.id(),
                model,
                200_000,
                null,
                price,
                executable.toString(),
                List.of("--extra-flag"),
                Map.of(keyVariable, KEY));
        List<Long> tokens = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        AgentRun run = agent.run(new AgentInvocation(
                worktree, PROMPT, TASK, Instant.now().plusSeconds(60), lines::add, profile, tokens::add));
        assertThat(String.join("\n", lines)).doesNotContain(KEY);
        assertThat(run.outputTail()).doesNotContain(KEY);
        return run;
    }

    private String recorded(String file) throws Exception {
        return Files.readString(record.resolve(file));
    }

    private void assertRanInTheWorktreeWithTheKey() throws Exception {
        assertThat(Path.of(recorded("cwd.txt").strip()).toRealPath()).isEqualTo(worktree.toRealPath());
        assertThat(recorded("key.txt")).isEqualTo(KEY);
        assertThat(worktree.resolve("slug.sh")).exists();
        assertThat(TestRepositories.git(worktree, "status", "--porcelain")).contains("slug.sh");
    }

    @Test
    void claudeCodeStreamJsonPromptOnStdinCostReported() throws Exception {
        Path cli = script("claude", "claude-code/stream-json.jsonl", "ANTHROPIC_API_KEY", 0);

        AgentRun run = run(new ClaudeCodeAgent(40), cli, "claude-sonnet-4-5", null, "ANTHROPIC_API_KEY");

        assertThat(run.exitCode()).isZero();
        assertThat(recorded("args.txt").lines())
                .containsExactly(
                        "-p",
                        "--output-format",
                        "stream-json",
                        "--verbose",
                        "--permission-mode",
                        "acceptEdits",
                        "--model",
                        "claude-sonnet-4-5",
                        "--extra-flag");
        assertThat(recorded("stdin.txt")).isEqualTo(PROMPT);
        assertRanInTheWorktreeWithTheKey();
        AgentUsage usage = run.usage();
        assertThat(usage.outputTokens()).isEqualTo(555);
        assertThat(usage.inputTokens()).isEqualTo(2570);
        assertThat(usage.cachedTokens()).isEqualTo(37608);
        assertThat(usage.costUsd()).isEqualByComparingTo("0.0428265");
        assertThat(usage.costEstimated()).isFalse();
        assertThat(usage.provider()).isEqualTo("anthropic");
        assertThat(usage.adapter()).isEqualTo("claude-code");
        assertThat(usage.agentProfile()).isEqualTo("p-claude-code");
    }

    @Test
    void codexExecJsonPromptOnStdinCostFromThePriceTable() throws Exception {
        Path cli = script("codex", "codex/exec.jsonl", "OPENAI_API_KEY", 0);
        AgentProfile.Price price =
                new AgentProfile.Price(new BigDecimal("1.25"), new BigDecimal("10"), new BigDecimal("0.125"));

        AgentRun run = run(new CodexAgent(40), cli, "gpt-5-codex", price, "OPENAI_API_KEY");

        assertThat(run.exitCode()).isZero();
        assertThat(recorded("args.txt").lines())
                .containsExactly("exec", "--json", "--full-auto", "-m", "gpt-5-codex", "--extra-flag", "-");
        assertThat(recorded("stdin.txt")).isEqualTo(PROMPT);
        assertRanInTheWorktreeWithTheKey();
        assertThat(run.usage().inputTokens()).isEqualTo(4277);
        assertThat(run.usage().cachedTokens()).isEqualTo(22272);
        assertThat(run.usage().outputTokens()).isEqualTo(1590);
        assertThat(run.usage().costUsd()).isEqualByComparingTo("0.024030");
        assertThat(run.usage().costEstimated()).isTrue();
        assertThat(run.usage().model()).isEqualTo("gpt-5-codex");
        assertThat(run.usage().provider()).isEqualTo("openai");
    }

    @Test
    void aModelMissingFromThePriceTableHasAnUnknownCostNotZero() throws Exception {
        Path cli = script("codex", "codex/exec.jsonl", "OPENAI_API_KEY", 0);

        AgentRun run = run(new CodexAgent(40), cli, "gpt-unlisted", null, "OPENAI_API_KEY");

        assertThat(run.exitCode()).isZero();
        assertThat(run.usage().inputTokens()).isEqualTo(4277);
        assertThat(run.usage().costUsd()).isNull();
        assertThat(run.usage().costEstimated()).isTrue();
    }

    @Test
    void aiderMessageFileNoAutoCommitsCostFromItsOutput() throws Exception {
        Path cli = script("aider", "aider/output.txt", "ANTHROPIC_API_KEY", 0);

        AgentRun run = run(new AiderAgent(40), cli, "sonnet", null, "ANTHROPIC_API_KEY");

        assertThat(run.exitCode()).isZero();
        List<String> args = recorded("args.txt").lines().toList();
        assertThat(args)
                .contains("--yes-always", "--no-auto-commits", "--no-pretty", "--model", "sonnet", "--extra-flag");
        assertThat(recorded("message-file.txt")).isEqualTo(PROMPT);
        Path promptFile = Path.of(args.get(args.indexOf("--message-file") + 1));
        assertThat(promptFile)
                .as("the prompt file is outside the worktree and removed")
                .doesNotExist();
        assertThat(promptFile.startsWith(worktree)).isFalse();
        assertRanInTheWorktreeWithTheKey();
        assertThat(run.usage().outputTokens()).isEqualTo(1157);
        assertThat(run.usage().costUsd()).isEqualByComparingTo("0.05");
        assertThat(run.usage().costEstimated()).isFalse();
    }

    @Test
    void geminiPromptAsArgumentJsonStatsPriced() throws Exception {
        Path cli = script("gemini", "gemini/output.json", "GEMINI_API_KEY", 0);
        AgentProfile.Price price = new AgentProfile.Price(new BigDecimal("1.25"), new BigDecimal("10"), null);

        AgentRun run = run(new GeminiAgent(40), cli, "gemini-2.5-pro", price, "GEMINI_API_KEY");

        assertThat(run.exitCode()).isZero();
        assertThat(recorded("args.txt"))
                .startsWith("--output-format\njson\n--yolo\n-m\ngemini-2.5-pro\n--extra-flag\n-p\n" + PROMPT);
        assertRanInTheWorktreeWithTheKey();
        assertThat(run.usage().outputTokens()).isEqualTo(2264);
        assertThat(run.usage().cachedTokens()).isEqualTo(21263);
        // no cached price: cached tokens cost the input price
        assertThat(run.usage().costUsd()).isEqualByComparingTo(price.cost(4876, 2264, 21263));
        assertThat(run.usage().costEstimated()).isTrue();
        assertThat(run.usage().provider()).isEqualTo("google");
    }

    @Test
    void anAgentReportingAnErrorWhileExitingZeroHasFailed() throws Exception {
        Path fixture = dir.resolve("error.jsonl");
        Files.writeString(fixture, "{\"type\":\"turn.failed\",\"error\":{\"message\":\"stream disconnected\"}}\n");
        Path cli = dir.resolve("codex-error");
        Files.writeString(cli, "#!/bin/sh\ncat '" + fixture + "'\nexit 0\n");
        Files.setPosixFilePermissions(cli, PosixFilePermissions.fromString("rwxr-xr-x"));

        AgentRun run = run(new CodexAgent(40), cli, null, null, "OPENAI_API_KEY");

        assertThat(run.exitCode()).isNotZero();
    }

    @Test
    void aMissingExecutableIsAnAgentErrorNamingIt() throws Exception {
        AgentRun run = run(new ClaudeCodeAgent(40), dir.resolve("no-such-claude"), null, null, "ANTHROPIC_API_KEY");

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.outputTail()).contains("no-such-claude");
    }
}
