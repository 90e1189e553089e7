package dev.forgeline.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeline.contracts.payload.TaskReady;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PromptBuilderTest {
    private static TaskReady task(String description, String testCommand) {
        return new TaskReady("textkit-3f9a1c2b", "textkit", "slugify", "Slugify titles", description,
                List.of("lower-cases", "replaces spaces with dashes"), testCommand, 60, List.of(), "/repo", "main", 0,
                Map.of(), null);
    }

    @Test
    void statesTheTaskItsCriteriaAndHowItIsChecked() {
        String prompt = new PromptBuilder(16_000).build(task("Turn a title into a URL slug.", "sh test/slugify_test.sh"));

        assertThat(prompt).contains("# Task slugify: Slugify titles", "textkit-3f9a1c2b", "Turn a title into a URL slug.",
                "- lower-cases\n", "- replaces spaces with dashes\n", "    sh test/slugify_test.sh\n",
                "Make the tests pass", "Work only in the current directory");
    }

    @Test
    void aLongDescriptionIsCutButTheTestCommandAndRulesStay() {
        String prompt = new PromptBuilder(1_000).build(task("word ".repeat(2_000), "sh test/slugify_test.sh"));

        assertThat(prompt).hasSizeLessThanOrEqualTo(1_000)
                .contains("# Task slugify", PromptBuilder.CUT_MARKER.strip(), "sh test/slugify_test.sh",
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
}
