package dev.forgeline.planner.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The planning rules of docs/specs.md on small specs written for them, in the three formats. */
class ChecklistRulesTest {
    private final SpecFormats formats = new SpecFormats(Duration.ofMinutes(15));

    private static final String SPECKIT = """
            # Tasks: Word tools

            ## Phase 1: Setup

            - [ ] T001 Create lib/words.sh with a usage message and
              make it executable
            - [ ] T002 [P] [US1] Add test/words_test.sh; check that `sh test/run.sh` passes
                Requires: os=linux, jdk=21

            **Checkpoint**: setup done

            ---

            ## Phase 2: User Story 1 - Count words (Priority: P1)

            - [ ] T003 [US1] Implement counting in lib/words.sh (see docs/words.md)
            - [ ] T004 [P] [US1] Write docs/usage.md, depends on T002
            - [ ] T005 [P] [US2] Run sh lib/words.sh passes on the fixtures

            ## Phase 3: Polish

            - [ ] T006 Update README.md

            ## Dependencies & Execution Order

            - **Setup (Phase 1)**: none
            - **US1 (Phase 2)**: after Setup
            - **Polish (Phase 3)**: Depends on Setup - may run beside US1
            """;

    @Test
    void speckitWrappedTitlesRequiresStatedDependenciesAndWrittenFiles() {
        ParsedSpec spec = formats.parse(SPECKIT, SpecFormats.detect(SPECKIT));
        assertThat(spec.errors()).isEmpty();
        Map<String, ParsedTask> t = byId(spec);
        assertThat(t.get("T001").title()).isEqualTo("Create lib/words.sh with a usage message and make it executable");
        assertThat(t.get("T002").labels()).containsExactly(Map.entry("story", "US1"), Map.entry("phase", "1"));
        assertThat(t.get("T002").requires()).containsExactly(Map.entry("os", "linux"), Map.entry("jdk", "21"));
        // a file run in a command is not written
        assertThat(t.get("T002").files()).containsExactly("test/words_test.sh");
        // a reference in parentheses is not written; the file the task changes is
        assertThat(t.get("T003").files()).containsExactly("lib/words.sh");
        assertThat(t.get("T005").files()).as("run and passes: read only").isEmpty();
        // T004 is [P] after T003 and says it depends on T002 (already met through the phase order: T003 waits for it)
        assertThat(t.get("T003").dependsOn()).containsExactly("T001", "T002");
        assertThat(t.get("T004").dependsOn()).containsExactly("T003", "T002");
        // the prose lets Polish start after Setup, beside US1
        assertThat(t.get("T006").dependsOn()).containsExactly("T001", "T002");
    }

    private static final String KIRO = """
            # Implementation Plan

            - [ ] 1. Set up the word counter in lib/count.py, handling
              empty input and unicode
              - _Requirements: 1.1, 1.2_
              - Requires: os=macos

            ## Phase 2: Reports

            - [ ] 2. Reports
              - [ ] 2.1 Write the report module lib/report.py
                - _Requirements: 2.1_
              - [ ]* 2.2 Write property tests for the report
              - [ ] 2.3 Checkpoint - ensure the tests pass
              - [ ] 2.4 Add the CLI flag to lib/cli.py
            - [ ] 3. Document it in docs/report.md
            """;

    @Test
    void kiroGroupsRequiresPhasesOptionalAndCheckpoints() {
        ParsedSpec spec = formats.parse(KIRO, SpecFormats.detect(KIRO));
        assertThat(spec.errors()).isEmpty();
        Map<String, ParsedTask> t = byId(spec);
        assertThat(spec.tasks()).extracting(ParsedTask::id).containsExactly("1", "2.1", "2.4", "3");
        assertThat(t.get("1").title())
                .isEqualTo("Set up the word counter in lib/count.py, handling empty input and unicode");
        assertThat(t.get("1").labels()).containsExactly(Map.entry("requirements", "1.1 1.2"));
        assertThat(t.get("1").requires()).containsExactly(Map.entry("os", "macos"));
        assertThat(t.get("2.1").labels())
                .containsEntry("parent", "2")
                .containsEntry("parentTitle", "Reports")
                .containsEntry("phase", "2");
        assertThat(t.get("2.1").dependsOn()).containsExactly("1");
        assertThat(t.get("2.4").dependsOn())
                .as("through the checkpoint, past the optional 2.2")
                .containsExactly("2.1");
        assertThat(t.get("3").dependsOn()).containsExactly("2.4");
        assertThat(spec.skipped()).extracting(ParsedSpec.SkippedTask::reason).containsExactly("optional", "checkpoint");

        ParsedSpec included = formats.parse("Optional: include\n" + KIRO, SpecFormat.KIRO);
        Map<String, ParsedTask> all = byId(included);
        assertThat(all.get("2.2").labels()).containsEntry("optional", "true");
        assertThat(all.get("2.2").dependsOn()).containsExactly("2.1");
        assertThat(all.get("2.4").dependsOn()).containsExactly("2.2");
    }

    @Test
    void speckitItemsInASectionBeforeThePhasesAreExamplesUnlessTheFileHasNoPhases() {
        String withPhases = """
                # Tasks: Notes

                ## Format: `[ID] [P?] [Story] Description`

                - [ ] T900 [P] [US1] Example: create lib/example.sh

                ## Phase 1: Setup

                - [ ] T001 Create lib/notes.sh with a usage message
                """;
        ParsedSpec spec = formats.parse(withPhases, SpecFormats.detect(withPhases));
        assertThat(spec.errors()).isEmpty();
        assertThat(spec.tasks()).extracting(ParsedTask::id).containsExactly("T001");

        String withoutPhases = """
                # Tasks: Notes

                ## Tasks

                - [ ] T001 Create lib/notes.sh with a usage message
                - [ ] T002 Add test/notes_test.sh for the usage message
                """;
        ParsedSpec flat = formats.parse(withoutPhases, SpecFormats.detect(withoutPhases));
        assertThat(flat.errors()).isEmpty();
        assertThat(flat.tasks()).extracting(ParsedTask::id).containsExactly("T001", "T002");
    }

    @Test
    void aFileNamedByItsBareNameAndByItsPathIsOneFile() {
        String text = """
                # Tasks: Users

                ## Phase 1: Models

                - [ ] T001 Create the User model in src/models/user.py
                - [ ] T002 [P] Add e-mail validation to user.py
                - [ ] T003 [P] Add the profile view in views/profile.py and update models/user.py with a display name
                - [ ] T004 [P] Add config.py and write lib/a/config.py and lib/b/config.py
                - [ ] T005 [P] Update config.py with the defaults
                """;
        ParsedSpec spec = formats.parse(text, SpecFormats.detect(text));
        assertThat(spec.errors()).isEmpty();
        Map<String, ParsedTask> t = byId(spec);
        assertThat(t.get("T001").files()).containsExactly("src/models/user.py");
        assertThat(t.get("T002").files()).containsExactly("src/models/user.py");
        assertThat(t.get("T002").fileReasons())
                .containsExactly(Map.entry("src/models/user.py", "writes: add, as user.py"));
        assertThat(t.get("T003").files()).containsExactly("views/profile.py", "src/models/user.py");
        // a short name several paths end in stands for all of them: a false match only costs parallelism
        assertThat(t.get("T005").files()).containsExactly("lib/a/config.py", "lib/b/config.py");
        assertThat(t.get("T004").files()).containsExactly("lib/a/config.py", "lib/b/config.py");
    }

    @Test
    void forgelineLabelsAreMetadataAndRequiresPlacesAndOnlyWrittenFilesCount() {
        String text = """
                # Spec: S
                ## Task: T1 - Counter
                Update lib/count.sh so it counts lines; see docs/design.md for the format.
                Inputs: data/sample.txt
                Labels: story=US1, phase=1
                Requires: os=macos, jdk=21
                Acceptance: `sh test/count_test.sh` passes
                Test command: sh test/count_test.sh
                """;
        ParsedTask task = formats.parse(text, SpecFormat.FORGELINE).tasks().get(0);
        assertThat(task.labels()).containsExactly(Map.entry("story", "US1"), Map.entry("phase", "1"));
        assertThat(task.requires()).containsExactly(Map.entry("os", "macos"), Map.entry("jdk", "21"));
        assertThat(task.files()).containsExactly("lib/count.sh");
        assertThat(task.fileReasons()).containsExactly(Map.entry("lib/count.sh", "writes: update"));

        ParsedSpec bad = formats.parse("## Task: T1 - x\nRequires: macos\nTest command: true\n", SpecFormat.FORGELINE);
        assertThat(bad.errors()).singleElement().satisfies(e -> {
            assertThat(e.message()).contains("Requires entry 'macos' is not key=value");
            assertThat(e.line()).isEqualTo(2);
        });
    }

    private static Map<String, ParsedTask> byId(ParsedSpec spec) {
        Map<String, ParsedTask> byId = new HashMap<>();
        spec.tasks().forEach(t -> byId.put(t.id(), t));
        return byId;
    }
}
