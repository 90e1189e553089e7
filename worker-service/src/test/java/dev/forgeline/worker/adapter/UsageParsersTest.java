package dev.forgeline.worker.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.forgeline.worker.adapter.usage.AiderUsageParser;
import dev.forgeline.worker.adapter.usage.ClaudeCodeUsageParser;
import dev.forgeline.worker.adapter.usage.CodexUsageParser;
import dev.forgeline.worker.adapter.usage.GeminiUsageParser;
import dev.forgeline.worker.adapter.usage.ParsedUsage;
import dev.forgeline.worker.adapter.usage.UsageParser;
import org.junit.jupiter.api.Test;

/** The usage parsers on recorded output of each CLI's real format (test resources {@code agent-output/}). */
class UsageParsersTest {

    static Path fixture(String name) {
        try {
            return Path.of(
                    UsageParsersTest.class.getResource("/agent-output/" + name).toURI());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> lines(String name) {
        try {
            return Files.readAllLines(fixture(name), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ParsedUsage parse(UsageParser parser, String name) {
        lines(name).forEach(parser::accept);
        return parser.finish();
    }

    @Test
    void claudeStreamJsonCountsEachApiMessageOnceNotEachContentBlock() {
        ParsedUsage usage = parse(new ClaudeCodeUsageParser(), "claude-code/stream-json.jsonl");

        // three messages, repeated 2, 3 and 1 times in the stream (one event per content block)
        assertThat(usage.inputTokens()).isEqualTo((3 + 2048) + (5 + 512) + 2);
        assertThat(usage.outputTokens()).isEqualTo(120 + 340 + 95);
        assertThat(usage.cachedTokens()).isEqualTo(11000 + 13048 + 13560);
        assertThat(usage.costUsd()).isEqualByComparingTo("0.0428265");
        assertThat(usage.model()).isEqualTo("claude-sonnet-4-5-20250929");
        assertThat(usage.error()).isNull();
        // a per-event sum would have counted 1355 output tokens
        assertThat(usage.outputTokens()).isNotEqualTo(2 * 120 + 3 * 340 + 95);
    }

    @Test
    void claudeStreamJsonReportsTokensSoFarWhileRunning() {
        ClaudeCodeUsageParser parser = new ClaudeCodeUsageParser();
        List<String> lines = lines("claude-code/stream-json.jsonl");
        lines.subList(0, 3).forEach(parser::accept);
        assertThat(parser.tokensSoFar()).isEqualTo(3 + 2048 + 11000 + 120);
    }

    @Test
    void claudeJsonTakesTheResultUsageAndCost() {
        ParsedUsage usage = parse(new ClaudeCodeUsageParser(), "claude-code/json.json");

        assertThat(usage.inputTokens()).isEqualTo(7 + 4210);
        assertThat(usage.outputTokens()).isEqualTo(412);
        assertThat(usage.cachedTokens()).isEqualTo(15322);
        assertThat(usage.costUsd()).isEqualByComparingTo("0.0191432");
    }

    @Test
    void claudeErrorResultIsAnError() {
        ClaudeCodeUsageParser parser = new ClaudeCodeUsageParser();
        parser.accept(
                "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":true,\"result\":\"Prompt is too long\","
                        + "\"total_cost_usd\":0}");
        assertThat(parser.finish().error()).isEqualTo("Prompt is too long");
    }

    @Test
    void codexSumsTurnUsageWithCachedInputSeparatedAndNoCost() {
        ParsedUsage usage = parse(new CodexUsageParser(), "codex/exec.jsonl");

        assertThat(usage.inputTokens()).isEqualTo(26549 - 22272);
        assertThat(usage.cachedTokens()).isEqualTo(22272);
        assertThat(usage.outputTokens()).isEqualTo(1590);
        assertThat(usage.costUsd()).isNull();
    }

    @Test
    void codexTurnFailureIsAnError() {
        CodexUsageParser parser = new CodexUsageParser();
        parser.accept("{\"type\":\"turn.failed\",\"error\":{\"message\":\"context_length_exceeded\"}}");
        assertThat(parser.finish().error()).isEqualTo("context_length_exceeded");
    }

    @Test
    void aiderSumsTokenLinesAndTakesTheSessionCost() {
        ParsedUsage usage = parse(new AiderUsageParser(), "aider/output.txt");

        assertThat(usage.inputTokens()).isEqualTo(4_200 + 1_100 + 5_600);
        assertThat(usage.cachedTokens()).isEqualTo(3_900);
        assertThat(usage.outputTokens()).isEqualTo(312 + 845);
        assertThat(usage.costUsd()).isEqualByComparingTo("0.05");
        assertThat(usage.model()).isEqualTo("anthropic/claude-sonnet-4-20250514");
    }

    @Test
    void aiderShortNumbers() {
        AiderUsageParser parser = new AiderUsageParser();
        parser.accept("Tokens: 1.3M sent, 12k received.");
        ParsedUsage usage = parser.finish();
        assertThat(usage.inputTokens()).isEqualTo(1_300_000);
        assertThat(usage.outputTokens()).isEqualTo(12_000);
        assertThat(usage.costUsd()).as("aider printed no cost").isNull();
    }

    @Test
    void geminiSumsEveryModelsTokensFromItsJsonAnswer() {
        ParsedUsage usage = parse(new GeminiUsageParser(), "gemini/output.json");

        assertThat(usage.inputTokens()).isEqualTo((24939 - 21263) + 1200);
        assertThat(usage.cachedTokens()).isEqualTo(21263);
        assertThat(usage.outputTokens()).isEqualTo(820 + 1404 + 40);
        assertThat(usage.costUsd()).isNull();
        assertThat(usage.model()).isEqualTo("gemini-2.5-pro");
    }

    @Test
    void priceTableCostPerMillion() {
        AgentProfile.Price price =
                new AgentProfile.Price(new BigDecimal("1.25"), new BigDecimal("10"), new BigDecimal("0.125"));
        assertThat(price.cost(4277, 1590, 22272)).isEqualByComparingTo("0.024030");
    }
}
