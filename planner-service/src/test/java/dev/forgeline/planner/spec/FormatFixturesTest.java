package dev.forgeline.planner.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.planner.quality.QualityGate;
import org.junit.jupiter.api.Test;

/** The small spec-kit and Kiro fixtures of this module, read without the application. */
class FormatFixturesTest {
    private final SpecFormats formats = new SpecFormats(Duration.ofMinutes(15));

    static String fixture(String name) throws IOException {
        try (InputStream in = FormatFixturesTest.class.getResourceAsStream("/formats/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void speckitFixture() throws IOException {
        String text = fixture("speckit-tasks.md");
        assertThat(SpecFormats.detect(text)).isEqualTo(SpecFormat.SPECKIT);
        ParsedSpec spec = formats.parse(text, SpecFormat.SPECKIT);
        assertThat(spec.errors()).isEmpty();
        assertThat(spec.skipped()).extracting(ParsedSpec.SkippedTask::id).containsExactly("T001");
        assertThat(spec.tasks()).extracting(ParsedTask::id).containsExactly("T002", "T003", "T004", "T005", "T006");
        assertThat(spec.tasks())
                .extracting(ParsedTask::dependsOn)
                .containsExactly(
                        java.util.List.of(),
                        java.util.List.of("T002"),
                        java.util.List.of("T002"),
                        java.util.List.of("T002", "T003", "T004"),
                        java.util.List.of("T002"));
        // "so that `test/word_count_test.sh` passes": run, not written
        assertThat(spec.tasks().get(3).files()).containsExactly("lib/word_count.sh");
        assertThat(spec.tasks().stream()
                        .map(t ->
                                QualityGate.score(t.withTestCommand("sh t.sh")).qualityClass()))
                .containsOnly(SpecQuality.MODERATE);
    }

    @Test
    void kiroFixture() throws IOException {
        String text = fixture("kiro-tasks.md");
        assertThat(SpecFormats.detect(text)).isEqualTo(SpecFormat.KIRO);
        ParsedSpec spec = formats.parse(text, SpecFormat.KIRO);
        assertThat(spec.errors()).isEmpty();
        // 2 is a group (not a task), the optional 2.2 is left out
        assertThat(spec.tasks()).extracting(ParsedTask::id).containsExactly("2.1", "3");
        assertThat(spec.tasks()).extracting(ParsedTask::line).containsExactly(8, 15);
        assertThat(spec.tasks().get(1).dependsOn()).containsExactly("2.1");
        assertThat(spec.tasks().stream()
                        .map(t ->
                                QualityGate.score(t.withTestCommand("sh t.sh")).qualityClass()))
                .containsExactly(SpecQuality.MODERATE, SpecQuality.VAGUE);
    }

    @Test
    void detectionAndExplicitFormats() {
        assertThat(SpecFormats.detect("## Task: T1 - x\n- [ ] T001 y\n")).isEqualTo(SpecFormat.FORGELINE);
        assertThat(SpecFormats.detect("Just prose about a feature.\n")).isEqualTo(SpecFormat.FREEFORM);
        assertThat(SpecFormat.fromWireName("Kiro")).contains(SpecFormat.KIRO);
        assertThat(SpecFormat.fromWireName("word")).isEmpty();
        // spec-kit text read as Kiro has no Kiro items
        ParsedSpec wrong = formats.parse("- [ ] T001 Do x\n", SpecFormat.KIRO);
        assertThat(wrong.tasks()).isEmpty();
        assertThat(SpecValidator.validate(wrong)).isNotEmpty();
    }

    @Test
    void forgelineFieldsInputsOutputsConstraintsFilesAndNamedPaths() {
        ParsedSpec spec = new SpecParser(Duration.ofMinutes(15)).parse("""
                ## Task: T1 - Truncate
                Shorten titles in `lib/truncate.sh`; see docs/notes.md and https://example.org/a/b.html.
                Inputs: a title
                Outputs:
                - the shortened title
                Constraints: POSIX sh only
                Files: lib/truncate.sh, `test/truncate_test.sh`
                Acceptance: cuts at 80
                Test command: sh test/truncate_test.sh
                """);
        assertThat(spec.errors()).isEmpty();
        ParsedTask task = spec.tasks().get(0);
        assertThat(task.inputs()).containsExactly("a title");
        assertThat(task.outputs()).containsExactly("the shortened title");
        assertThat(task.constraints()).containsExactly("POSIX sh only");
        // "see docs/notes.md" is read, not written
        assertThat(task.files()).containsExactly("lib/truncate.sh", "test/truncate_test.sh");
    }
}
