package dev.forgeline.worker.attempt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.payload.DependencySummary;
import dev.forgeline.contracts.payload.PreviousAttempt;
import dev.forgeline.contracts.payload.TaskReady;
import org.junit.jupiter.api.Test;

class PromptBuilderTest {
    private static TaskReady task(String description, String testCommand) {
        return new TaskReady(
                "textkit-3f9a1c2b",
                "textkit",
                "slugify",
                "Slugify titles",
                description,
                List.of("lower-cases", "replaces spaces with dashes"),
                testCommand,
                60,
                List.of(),
                "/repo",
                "main",
                0,
                Map.of(),
                null);
    }

    @Test
    void statesTheTaskItsCriteriaAndHowItIsChecked() {
        String prompt =
                new PromptBuilder(16_000).build(task("Turn a title into a URL slug.", "sh test/slugify_test.sh"));

        assertThat(prompt)
                .contains(
                        "# Task slugify: Slugify titles",
                        "textkit-3f9a1c2b",
                        "Turn a title into a URL slug.",
                        "- lower-cases\n",
                        "- replaces spaces with dashes\n",
                        "    sh test/slugify_test.sh\n",
                        "Make the tests pass",
                        "Work only in the current directory");
    }

    @Test
    void aLongDescriptionIsCutButTheTestCommandAndRulesStay() {
        String prompt = new PromptBuilder(1_000).build(task("word ".repeat(2_000), "sh test/slugify_test.sh"));

        assertThat(prompt)
                .hasSizeLessThanOrEqualTo(1_000)
                .contains(
                        "# Task slugify",
                        PromptBuilder.CUT_MARKER.strip(),
                        "sh test/slugify_test.sh",
                        "Work only in the current directory");
    }

    @Test
    void aTinyLimitIsStillRespected() {
        assertThat(new PromptBuilder(50).build(task("d", "true"))).hasSize(50);
    }

    @Test
    void withoutTestCommandTheAgentIsAskedToWriteTests() {
        assertThat(new PromptBuilder(16_000).build(task("d", null))).contains("names no test command");
    }

    private static TaskReady taskWithDependencies(String description, String dependencySummary) {
        return new TaskReady(
                "textkit-3f9a1c2b",
                "textkit",
                "slugify",
                "Slugify titles",
                description,
                List.of("lower-cases", "replaces spaces with dashes"),
                "sh test/slugify_test.sh",
                60,
                List.of("T0"),
                "/repo",
                "main",
                0,
                Map.of(),
                null,
                1,
                null,
                0,
                List.of(),
                null,
                null,
                List.of(new DependencySummary(
                        "T0", "Tokenizer", "0123456789abcdef0123", List.of("lib/tokens.sh"), dependencySummary)));
    }

    private static final PreviousAttempt PREVIOUS = new PreviousAttempt(
            1,
            FailureClass.TEST_FAILURE,
            "tests failed with exit code 1",
            "line 1 of the old output\n" + "noise\n".repeat(300) + "FAIL: slugify printed [A B], expected [a-b]",
            "Please keep the tokenizer untouched.");

    @Test
    void includesDependencySummariesAndOnARetryThePreviousFailure() {
        String prompt = new PromptBuilder(16_000)
                .build(
                        taskWithDependencies("Turn a title into a URL slug.", "Splits text into tokens on whitespace."),
                        PREVIOUS);

        assertThat(prompt)
                .contains(
                        "T0: Tokenizer (commit 0123456789ab)",
                        "files: lib/tokens.sh",
                        "Splits text into tokens on whitespace.",
                        "attempt 1 failed",
                        "Failure class: TEST_FAILURE",
                        "Detail: tests failed with exit code 1",
                        "Please keep the tokenizer untouched.",
                        "FAIL: slugify printed [A B], expected [a-b]");
        assertThat(prompt).doesNotContain("ran out of the model's context");
    }

    @Test
    void aRetryAfterContextExhaustionAsksForASmallWorkingSet() {
        PreviousAttempt exhausted = new PreviousAttempt(
                1, FailureClass.CONTEXT_EXHAUSTED, "prompt is too long: 212044 tokens > 200000 maximum", null, null);
        String prompt = new PromptBuilder(16_000).build(task("Turn a title into a URL slug.", "true"), exhausted);

        assertThat(prompt)
                .contains("Failure class: CONTEXT_EXHAUSTED")
                .contains("ran out of the model's context")
                .contains("Keep your working set small");
    }

    @Test
    void cutsDependencySummariesFirstThenTheOldOutputFromItsStartThenTheDescription() {
        String description = "Turn a title into a URL slug. " + "detail ".repeat(100);
        String summary = "Splits text into tokens. " + "more ".repeat(400);
        String full = new PromptBuilder(100_000).build(taskWithDependencies(description, summary), PREVIOUS);
        int tailLength = PREVIOUS.outputTail().length();

        // room for everything but part of the dependency summary
        String depsCut =
                new PromptBuilder(full.length() - 500).build(taskWithDependencies(description, summary), PREVIOUS);
        assertThat(depsCut)
                .hasSizeLessThanOrEqualTo(full.length() - 500)
                .contains(
                        "T0: Tokenizer", description.strip(), PREVIOUS.outputTail(), PromptBuilder.CUT_MARKER.strip());

        // the summary is gone and the old output lost its beginning but kept its end
        String tailCut = new PromptBuilder(full.length() - summary.length() - tailLength / 2)
                .build(taskWithDependencies(description, summary), PREVIOUS);
        assertThat(tailCut)
                .doesNotContain("Splits text into tokens.")
                .doesNotContain("line 1 of the old output")
                .contains(
                        "FAIL: slugify printed [A B], expected [a-b]",
                        description.strip(),
                        "Failure class: TEST_FAILURE",
                        "Please keep the tokenizer untouched.");

        // then the description gives way, never the criteria, the test command or the rules
        String descriptionCut = new PromptBuilder(full.length() - summary.length() - tailLength - 400)
                .build(taskWithDependencies(description, summary), PREVIOUS);
        assertThat(descriptionCut)
                .contains(
                        "Turn a title into a URL slug.",
                        "- replaces spaces with dashes",
                        "sh test/slugify_test.sh",
                        "Failure class: TEST_FAILURE",
                        "Do not commit")
                .doesNotContain(description.strip());
    }

    @Test
    void secretsInThePreviousOutputAreMasked() {
        PreviousAttempt leaky = new PreviousAttempt(
                1,
                FailureClass.AGENT_ERROR,
                "exit 1",
                "export ANTHROPIC_API_KEY=sk-ant-api03-leakedValue0123456789",
                null);
        String prompt = new PromptBuilder(16_000).build(task("d", "true"), leaky);
        assertThat(prompt).doesNotContain("leakedValue0123456789").contains("Failure class: AGENT_ERROR");
    }
}
