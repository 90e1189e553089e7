package dev.forgeline.planner.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SpecParserTest {
    private final SpecParser parser = new SpecParser(Duration.ofMinutes(15));

    private static final String EXAMPLE = """
            # Spec: Text kit utilities
            Repository: /abs/path/to/repo
            Base-branch: develop

            Small string helpers.

            ## Task: T1 - Add slugify
            Turn titles into URL slugs.

            Acceptance:
            - lowercases the input
            - replaces spaces
              with dashes
            Test command: sh test/t1_test.sh
            Estimate: 10m

            ## Task: T2: Add truncate
            depends-on: none
            ACCEPTANCE: cuts at 80 characters
            test command: `sh test/t2_test.sh`
            estimate: 1h30m

            ## Task: T3 — Combine
            Depends-on: T1, T2
            Acceptance: both functions are used together
            Test command: sh test/t3_test.sh
            Estimate: 90s
            Priority: 5
            Labels: os=linux, jdk=17
            Agent: simulated
            """;

    @Test
    void readsHeaderFieldsAndEveryTaskField() {
        ParsedSpec spec = parser.parse(EXAMPLE);

        assertThat(spec.errors()).isEmpty();
        assertThat(spec.name()).isEqualTo("Text kit utilities");
        assertThat(spec.repository()).isEqualTo("/abs/path/to/repo");
        assertThat(spec.repositoryLine()).isEqualTo(2);
        assertThat(spec.baseBranch()).isEqualTo("develop");
        assertThat(spec.baseBranchLine()).isEqualTo(3);
        assertThat(spec.description()).isEqualTo("Small string helpers.");
        assertThat(spec.taskSections()).isEqualTo(3);
        assertThat(spec.tasks())
                .extracting(ParsedTask::id, ParsedTask::title, ParsedTask::line)
                .containsExactly(
                        tuple("T1", "Add slugify", 7), tuple("T2", "Add truncate", 17), tuple("T3", "Combine", 23));

        ParsedTask t1 = spec.tasks().get(0);
        assertThat(t1.description()).isEqualTo("Turn titles into URL slugs.");
        assertThat(t1.acceptance()).containsExactly("lowercases the input", "replaces spaces with dashes");
        assertThat(t1.testCommand()).isEqualTo("sh test/t1_test.sh");
        assertThat(t1.estimateSeconds()).isEqualTo(600);
        assertThat(t1.dependsOn()).isEmpty();
        assertThat(t1.dependsOnLine()).isNull();
        assertThat(t1.priority()).isZero();
        assertThat(t1.labels()).isEmpty();
        assertThat(t1.agentProfile()).isNull();

        ParsedTask t2 = spec.tasks().get(1);
        assertThat(t2.dependsOn()).isEmpty();
        assertThat(t2.acceptance()).containsExactly("cuts at 80 characters");
        assertThat(t2.testCommand()).isEqualTo("sh test/t2_test.sh");
        assertThat(t2.estimateSeconds()).isEqualTo(5400);
        assertThat(t2.description()).isEmpty();

        ParsedTask t3 = spec.tasks().get(2);
        assertThat(t3.dependsOn()).containsExactly("T1", "T2");
        assertThat(t3.dependsOnLine()).isEqualTo(24);
        assertThat(t3.acceptance()).containsExactly("both functions are used together");
        assertThat(t3.estimateSeconds()).isEqualTo(90);
        assertThat(t3.priority()).isEqualTo(5);
        assertThat(t3.labels()).containsExactly(Map.entry("os", "linux"), Map.entry("jdk", "17"));
        assertThat(t3.agentProfile()).isEqualTo("simulated");
    }

    @Test
    void titleSeparatorsAreDashEmDashColonOrWhitespace() {
        ParsedSpec spec = parser.parse("""
                ## Task: a-1 - With dash
                Test command: true
                ## Task: b.2 — With em dash
                Test command: true
                ## Task: c_3: With colon
                Test command: true
                ## Task: d4 With space
                Test command: true
                ## Task: e5—Tight em dash
                Test command: true
                ## Task: f6
                Test command: true
                """);

        assertThat(spec.errors()).isEmpty();
        assertThat(spec.tasks())
                .extracting(ParsedTask::id, ParsedTask::title)
                .containsExactly(
                        tuple("a-1", "With dash"),
                        tuple("b.2", "With em dash"),
                        tuple("c_3", "With colon"),
                        tuple("d4", "With space"),
                        tuple("e5", "Tight em dash"),
                        tuple("f6", "f6"));
    }

    @Test
    void specNameFromPlainHeadingOrUntitled() {
        assertThat(parser.parse("# Text kit\n## Task: T1 x\nTest command: true\n")
                        .name())
                .isEqualTo("Text kit");
        assertThat(parser.parse("Some intro\n## Task: T1 x\nTest command: true\n")
                        .name())
                .isEqualTo("untitled");
    }

    @Test
    void defaultEstimateAppliesWithoutEstimateField() {
        ParsedSpec spec = new SpecParser(Duration.ofMinutes(7)).parse("## Task: T1 x\nTest command: true\n");

        assertThat(spec.tasks().get(0).estimateSeconds()).isEqualTo(420);
    }

    @Test
    void fieldsInsideCodeFencesAreDescription() {
        ParsedSpec spec = parser.parse("""
                ## Task: T1 - Fenced
                Example:
                ```
                Estimate: not a field
                ## Task: not a heading
                ```
                Test command: true
                """);

        assertThat(spec.errors()).isEmpty();
        assertThat(spec.tasks()).hasSize(1);
        assertThat(spec.tasks().get(0).description())
                .isEqualTo("Example:\n```\nEstimate: not a field\n## Task: not a heading\n```");
        assertThat(spec.tasks().get(0).estimateSeconds()).isEqualTo(900);
    }

    @Test
    void windowsLineEndingsKeepLineNumbers() {
        ParsedSpec spec = parser.parse("# S\r\n\r\n## Task: T1 - x\r\nTest command: true\r\nEstimate: soon\r\n");

        assertThat(spec.tasks().get(0).testCommand()).isEqualTo("true");
        assertThat(spec.errors()).extracting(SpecError::line).containsExactly(5);
    }

    @Test
    void emptyBodyIsOneError() {
        ParsedSpec spec = parser.parse("  \n\n");

        assertThat(spec.blank()).isTrue();
        assertThat(spec.errors()).extracting(SpecError::message).containsExactly("the spec is empty");
    }

    @Test
    void missingAndInvalidTaskIdsAreReportedOnTheHeadingLine() {
        ParsedSpec spec = parser.parse("""
                # S
                ## Task:
                Test command: true
                ## Task: T#1 - Bad
                Test command: true
                ## Task: T2 - Good
                Test command: true
                """);

        assertThat(spec.errors())
                .extracting(SpecError::line, SpecError::field, SpecError::message)
                .containsExactly(
                        tuple(2, "Task", "task heading has no task id (expected '## Task: <id> - <title>')"),
                        tuple(4, "Task", "task id 'T#1' is invalid: it must match [A-Za-z0-9][A-Za-z0-9._-]*"));
        assertThat(spec.taskSections()).isEqualTo(3);
        assertThat(spec.tasks()).extracting(ParsedTask::id).containsExactly("T2");
    }

    @Test
    void duplicateTaskIdIsReportedOnTheSecondHeadingNamingTheFirst() {
        ParsedSpec spec = parser.parse("""
                ## Task: T1 - First
                Test command: true

                ## Task: T1 - Again
                Test command: true
                """);

        assertThat(spec.errors())
                .extracting(SpecError::line, SpecError::message)
                .containsExactly(tuple(4, "duplicate task id 'T1' (first declared on line 1)"));
        assertThat(spec.tasks()).extracting(ParsedTask::title).containsExactly("First");
    }

    @Test
    void unparseableEstimatePriorityAndLabelsAreReportedOnTheirLines() {
        ParsedSpec spec = parser.parse("""
                ## Task: T1 - Bad fields
                Test command: true
                Estimate: ten minutes
                Priority: high
                Labels: os=linux, gpu
                Agent:
                """);

        assertThat(spec.errors())
                .extracting(SpecError::line, SpecError::field, SpecError::message)
                .containsExactly(
                        tuple(3, "Estimate", "Estimate 'ten minutes' is not a duration such as 90s, 10m, 1h or 1h30m"),
                        tuple(4, "Priority", "Priority 'high' is not an integer"),
                        tuple(5, "Labels", "Labels entry 'gpu' is not key=value"),
                        tuple(6, "Agent", "Agent is empty"));
    }

    @Test
    void aFieldGivenTwiceIsReported() {
        ParsedSpec spec = parser.parse("""
                Repository: /a
                Repository: /b
                ## Task: T1 - x
                Test command: true
                Estimate: 1m
                Estimate: 2m
                """);

        assertThat(spec.errors())
                .extracting(SpecError::line, SpecError::message)
                .containsExactly(
                        tuple(2, "Repository is given twice (first on line 1)"),
                        tuple(6, "Estimate is given twice (first on line 5)"));
        assertThat(spec.repository()).isEqualTo("/a");
    }

    @Test
    void estimatesAcceptSecondsMinutesHoursAndCombinations() {
        assertThat(Estimates.parseSeconds("90s")).hasValue(90);
        assertThat(Estimates.parseSeconds("10m")).hasValue(600);
        assertThat(Estimates.parseSeconds("1h")).hasValue(3600);
        assertThat(Estimates.parseSeconds("1h30m")).hasValue(5400);
        assertThat(Estimates.parseSeconds("1H 30M 15S")).hasValue(5415);
        assertThat(Estimates.parseSeconds("0m")).isEmpty();
        assertThat(Estimates.parseSeconds("10")).isEmpty();
        assertThat(Estimates.parseSeconds("30m1h")).isEmpty();
        assertThat(Estimates.parseSeconds("")).isEmpty();
    }

    @Test
    void unknownKeysAreDescription() {
        ParsedSpec spec = parser.parse("""
                ## Task: T1 - x
                Note: keep it short
                Test command: true
                """);

        assertThat(spec.tasks().get(0).description()).isEqualTo("Note: keep it short");
        assertThat(spec.tasks().get(0).acceptance()).isEqualTo(List.of());
    }
}
