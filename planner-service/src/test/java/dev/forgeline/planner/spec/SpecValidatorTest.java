package dev.forgeline.planner.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class SpecValidatorTest {
    private final SpecParser parser = new SpecParser(Duration.ofMinutes(15));

    private List<SpecError> validate(String markdown) {
        return SpecValidator.validate(parser.parse(markdown));
    }

    @Test
    void aValidGraphHasNoErrors() {
        assertThat(validate("""
                ## Task: T1 - a
                Test command: true
                ## Task: T2 - b
                Depends-on: T1
                Test command: true
                ## Task: T3 - c
                Depends-on: T1, T2
                Test command: true
                """)).isEmpty();
    }

    @Test
    void emptySpecIsOnlyThatError() {
        assertThat(validate(""))
                .extracting(SpecError::message, SpecError::line)
                .containsExactly(tuple("the spec is empty", null));
    }

    @Test
    void specWithoutTaskSections() {
        assertThat(validate("# Spec: Nothing\nRepository: /x\nJust prose.\n"))
                .extracting(SpecError::message, SpecError::line)
                .containsExactly(tuple("the spec has no '## Task:' sections", null));
    }

    @Test
    void missingTestCommandIsReportedOnTheTaskHeading() {
        assertThat(validate("""
                # S

                ## Task: T1 - No tests
                Just text.
                Test command:
                """))
                .extracting(SpecError::line, SpecError::field, SpecError::message)
                .containsExactly(tuple(3, "Test command", "task T1 has no Test command"));
    }

    @Test
    void unknownDependencyIsReportedOnTheDependsOnLine() {
        assertThat(validate("""
                ## Task: T1 - a
                Test command: true
                ## Task: T2 - b
                Test command: true
                Depends-on: T1, T9
                """))
                .extracting(SpecError::line, SpecError::field, SpecError::message)
                .containsExactly(tuple(5, "Depends-on", "task T2 depends on unknown task 'T9'"));
    }

    @Test
    void selfDependency() {
        assertThat(validate("""
                ## Task: T1 - a
                Depends-on: T1
                Test command: true
                """))
                .extracting(SpecError::line, SpecError::message)
                .containsExactly(tuple(2, "task T1 depends on itself"));
    }

    @Test
    void cycleNamesEveryTaskInItAndTheLineOfADependsOnInIt() {
        assertThat(validate("""
                ## Task: T0 - outside
                Test command: true
                ## Task: T1 - a
                Depends-on: T2
                Test command: true
                ## Task: T2 - b
                Depends-on: T3, T0
                Test command: true
                ## Task: T3 - c
                Depends-on: T1
                Test command: true
                """))
                .extracting(SpecError::line, SpecError::field, SpecError::message)
                .containsExactly(tuple(4, "Depends-on", "dependency cycle: T1 -> T2 -> T3 -> T1"));
    }

    @Test
    void twoSeparateCyclesAreBothReported() {
        assertThat(validate("""
                ## Task: A - a
                Depends-on: B
                Test command: true
                ## Task: B - b
                Depends-on: A
                Test command: true
                ## Task: C - c
                Depends-on: D
                Test command: true
                ## Task: D - d
                Depends-on: C
                Test command: true
                """))
                .extracting(SpecError::line, SpecError::message)
                .containsExactly(tuple(2, "dependency cycle: A -> B -> A"), tuple(8, "dependency cycle: C -> D -> C"));
    }

    /** An operator may raise forgeline.planner.limits.max-tasks: the walk must not depend on the default. */
    @Test
    void aLongChainDoesNotOverflowTheStack() {
        StringBuilder spec = new StringBuilder("## Task: T0 - start\nTest command: true\n");
        for (int i = 1; i < 20_000; i++) {
            spec.append("## Task: T")
                    .append(i)
                    .append(" - step\nDepends-on: T")
                    .append(i - 1)
                    .append("\nTest command: true\n");
        }
        SpecLimits unbounded = new SpecLimits(
                Integer.MAX_VALUE,
                SpecLimits.DEFAULT.maxLabelsPerTask(),
                SpecLimits.DEFAULT.maxTitleLength(),
                SpecLimits.DEFAULT.maxTextLength(),
                SpecLimits.DEFAULT.maxEstimate());
        assertThat(SpecValidator.validate(parser.parse(spec.toString()), unbounded))
                .isEmpty();
        assertThat(validate(spec.toString()))
                .extracting(SpecError::field, SpecError::line)
                .containsExactly(tuple("Task", 3 * 1000));
    }

    @Test
    void everyFaultIsCollectedInLineOrder() {
        assertThat(validate("""
                # Spec: Broken
                ## Task: T1 - a
                Depends-on: T2
                Estimate: later
                ## Task: T2 - b
                Depends-on: T1, nope
                Test command: true
                ## Task: T2 - again
                Test command: true
                Priority: top
                """))
                .extracting(SpecError::line, SpecError::message)
                .containsExactly(
                        tuple(2, "task T1 has no Test command"),
                        tuple(3, "dependency cycle: T1 -> T2 -> T1"),
                        tuple(4, "Estimate 'later' is not a duration such as 90s, 10m, 1h or 1h30m"),
                        tuple(6, "task T2 depends on unknown task 'nope'"),
                        tuple(8, "duplicate task id 'T2' (first declared on line 5)"),
                        tuple(10, "Priority 'top' is not an integer"));
    }
}
