package dev.forgeline.planner.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import dev.forgeline.planner.quality.QualityGate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every parser a spec goes through (format detection, the three formats, file mentions, validation, the quality
 * gate: what {@code POST /specs/lint} runs without any repository) in linear time: each document holds a 1 MiB
 * line built from one unit that makes a backtracking pattern try every split of it, in every place a line can
 * stand (title, field, text, bullet, dependency line). A quadratic pattern needs hours for such a line, a
 * recursive one overflows the stack; the bound leaves a loaded machine a wide margin.
 */
class HostileSpecInputTest {
    private static final int MIB = 1 << 20;
    /** About ten times what a loaded two-core machine needs for the slowest of these documents. */
    private static final Duration BOUND = Duration.ofSeconds(60);
    /** Each unit once made a pattern quadratic or stack-deep, or stands for a family of such units. */
    private static final List<String> UNITS =
            List.of(" ", "a ", "a:", "1.", "\t", "`a", "(", "**", "T1, ", "depends on T1 ", "->", "step 1 ");

    static Stream<Arguments> documents() {
        return UNITS.stream().flatMap(unit -> {
            String line = "a" + unit.repeat(MIB / unit.length()) + "b";
            return Stream.of(
                    Arguments.of(unit, "forgeline", forgeline(line)),
                    Arguments.of(unit, "spec-kit", speckit(line)),
                    Arguments.of(unit, "kiro", kiro(line)));
        });
    }

    @ParameterizedTest(name = "[{1}] unit \"{0}\"")
    @MethodSource("documents")
    void aMebibyteLineIsParsedAndScoredInLinearTime(String unit, String format, String markdown) {
        SpecFormats formats = new SpecFormats(Duration.ofMinutes(5));
        ParsedSpec parsed = assertTimeoutPreemptively(BOUND, () -> {
            ParsedSpec spec = formats.parse(markdown, SpecFormats.detect(markdown));
            SpecValidator.validate(spec);
            spec.tasks().forEach(QualityGate::score);
            return spec;
        });
        assertThat(parsed.tasks()).as("the document's tasks are still found").isNotEmpty();
    }

    private static String forgeline(String line) {
        return "# Spec: " + line + "\nRepository: https://example.com/acme/x.git\n\n" + line + "\n\n"
                + "## Task: t1 - " + line + "\n" + line + "\nFiles: " + line + "\n" + line + ": " + line + "\n\n"
                + "Acceptance:\n- " + line + "\n1. " + line + "\nTest command: sh test.sh\nEstimate: 5m\n\n"
                + "## Task: t2 - second\nDepends-on: t1, " + line + "\nAcceptance:\n- works\n";
    }

    private static String speckit(String line) {
        return "# Tasks: " + line + "\n\n## Phase 1: " + line + "\n\n- [ ] T001 " + line + "\n- [ ] T002 [P] [US1] "
                + line + " depends on T001\n" + line + "\n\n## Dependencies & Execution Order\n\n- " + line
                + "\n- T002 depends on " + line + "\n- **Depends on**: " + line + "\n";
    }

    private static String kiro(String line) {
        return "# Implementation Plan\n\n- [ ] 1. " + line + "\n  - [ ] 1.1 " + line + "\n    - " + line
                + "\n    - _Requirements: " + line + "_\n    - _Requires: " + line + "_\n- [ ]* 2. " + line
                + "\n  - Optional: include\n- [ ] 3. Checkpoint " + line + "\n";
    }
}
