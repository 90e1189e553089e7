package dev.forgeline.planner.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Plans every real spec-kit and Kiro {@code tasks.md} in {@code src/test/resources/spec-examples} (public MIT files,
 * sources and licence in SOURCES.md there): the format is detected, every open item becomes a task in
 * document order, done and skipped items are left out, and the dependencies only point backwards, follow the
 * phase and {@code [P]} rules, and form a valid graph.
 */
class SpecExamplesTest {
    private static final List<String> FILES = List.of("speckit-1.md", "speckit-2.md", "kiro-1.md", "kiro-2.md");

    private final SpecFormats formats = new SpecFormats(Duration.ofMinutes(15));

    /** file -> {format, open tasks, done or skipped items, first open id, last open id} */
    private static final Map<String, Object[]> EXPECTED = Map.of(
            "speckit-1.md", new Object[] {SpecFormat.SPECKIT, 21, 0, "T001", "T021"},
            "speckit-2.md", new Object[] {SpecFormat.SPECKIT, 0, 59, null, null},
            // 19 leaf tasks; 8 done, groups 3..11 are not tasks, 5.4 and 11.3 optional left out
            "kiro-1.md", new Object[] {SpecFormat.KIRO, 19, 10, "4.2", "11.2"},
            // 35 optional and 3 checkpoint items left out
            "kiro-2.md", new Object[] {SpecFormat.KIRO, 18, 38, "1", "20"});

    static String read(String name) throws IOException {
        try (var in = SpecExamplesTest.class.getResourceAsStream("/spec-examples/" + name)) {
            assertThat(in).as(name + " on the classpath").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void everyExampleFileIsKnownAndPlannedWithItsTaskCountAndOrder() throws IOException {
        List<String> files = FILES;
        assertThat(read("SOURCES.md")).contains("MIT License").contains(FILES.toArray(String[]::new));
        assertThat(files)
                .as("every example file has expectations")
                .containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
        for (String name : files) {
            String text = read(name);
            Object[] expected = EXPECTED.get(name);
            SpecFormat format = SpecFormats.detect(text);
            assertThat(format).as(name).isEqualTo(expected[0]);
            ParsedSpec spec = formats.parse(text, format);
            assertThat(spec.errors()).as(name).isEmpty();
            assertThat(spec.tasks()).as(name + " open tasks").hasSize((Integer) expected[1]);
            assertThat(spec.skipped()).as(name + " done or skipped").hasSize((Integer) expected[2]);
            if (expected[3] != null) {
                assertThat(spec.tasks().get(0).id()).as(name).isEqualTo(expected[3]);
                assertThat(spec.tasks().get(spec.tasks().size() - 1).id())
                        .as(name)
                        .isEqualTo(expected[4]);
            }
            assertDependenciesPointBackwards(name, spec);
            // test commands are supplied by the request for these formats; the graph itself must be valid
            ParsedSpec runnable = withTestCommands(spec);
            if (!spec.tasks().isEmpty()) {
                assertThat(SpecValidator.validate(runnable)).as(name).isEmpty();
            }
        }
    }

    @Test
    void speckitPhasesProseAndParallelMarkersOrderTheTasksAndStoriesAreLabels() throws IOException {
        ParsedSpec spec = formats.parse(read("speckit-1.md"), SpecFormat.SPECKIT);
        Map<String, ParsedTask> byId = byId(spec);
        assertThat(spec.name()).isEqualTo("Faceted Label Filtering");
        assertThat(byId.get("T001").dependsOn()).isEmpty();
        // phase 2 starts after phase 1; T002 [P] and T003 both wait only for T001; T004 waits for T003 only
        assertThat(byId.get("T002").dependsOn()).containsExactly("T001");
        assertThat(byId.get("T003").dependsOn()).containsExactly("T001", "T002");
        assertThat(byId.get("T004").dependsOn()).containsExactly("T003");
        // the Dependencies section: "US1 (Phase 3): after Setup" - US1 runs beside phase 2
        assertThat(byId.get("T007").dependsOn()).containsExactly("T001");
        assertThat(byId.get("T008").dependsOn()).containsExactly("T007");
        // phase 4 says "Depends on: Phase 2": it does not wait for US1
        assertThat(byId.get("T009").dependsOn()).containsExactly("T006");
        // "T009 before T010/T011" from the prose, after the sequence's own T010
        assertThat(byId.get("T011").dependsOn()).containsExactly("T010", "T009");
        // T012..T015 are [P] after T011; phase 5 depends on phase 4: T016 waits for T011 and all four
        assertThat(byId.get("T012").dependsOn()).containsExactly("T011");
        assertThat(byId.get("T016").dependsOn()).containsExactly("T011", "T012", "T013", "T014", "T015");
        // "Polish (Phase 6): after all targeted stories": the ends of phases 3, 4 and 5
        assertThat(byId.get("T018").dependsOn())
                .containsExactly("T007", "T008", "T011", "T012", "T013", "T014", "T015", "T016", "T017");
        // stories and phases are metadata labels; nothing is a placement requirement
        assertThat(byId.get("T008").labels()).containsEntry("story", "US1").containsEntry("phase", "3");
        assertThat(byId.get("T002").labels()).containsExactly(Map.entry("phase", "2"));
        assertThat(spec.tasks()).allSatisfy(t -> assertThat(t.requires()).isEmpty());
        // written files order tasks; references in parentheses and files only confirmed or executed do not
        assertThat(byId.get("T003").files())
                .containsExactly("lib/features/catalog/domain/repositories/product_repository.dart");
        assertThat(byId.get("T003").fileReasons())
                .containsEntry("lib/features/catalog/domain/repositories/product_repository.dart", "writes: add");
        assertThat(byId.get("T007").files())
                .containsExactly("lib/features/catalog/domain/repositories/product_repository.dart");
        assertThat(byId.get("T001").files())
                .as("Confirm ... exposes ... in X: read")
                .isEmpty();
        assertThat(byId.get("T020").files())
                .as("Execute the quickstart.md ...: read")
                .isEmpty();
        assertThat(byId.get("T006").files())
                .containsExactly("product_label_facet.freezed.dart", "products_list_controller.g.dart");
        assertThat(byId.get("T010").files())
                .as("label_multi_picker.dart is the widget T009 extends in lib/core/widgets")
                .containsExactly(
                        "lib/l10n/app_es.arb", "lib/l10n/app_en.arb", "lib/core/widgets/label_multi_picker.dart");
    }

    @Test
    void kiroParentsAreGroupsOptionalItemsAndCheckpointsAreLeftOut() throws IOException {
        ParsedSpec one = formats.parse(read("kiro-1.md"), SpecFormat.KIRO);
        Map<String, ParsedTask> byId = byId(one);
        assertThat(one.tasks()).extracting(ParsedTask::id).doesNotContain("4", "5", "6", "11");
        assertThat(one.skipped()).extracting(ParsedSpec.SkippedTask::reason).containsOnly("done", "optional");
        assertThat(one.skipped())
                .filteredOn(s -> s.reason().equals("optional"))
                .extracting(ParsedSpec.SkippedTask::id)
                .containsExactly("5.4", "11.3");
        // sequential through the leaves: the first child of a group waits for the last leaf before it
        List<ParsedTask> tasks = one.tasks();
        assertThat(tasks.get(0).dependsOn()).isEmpty();
        for (int i = 1; i < tasks.size(); i++) {
            assertThat(tasks.get(i).dependsOn())
                    .as(tasks.get(i).id())
                    .containsExactly(tasks.get(i - 1).id());
        }
        assertThat(byId.get("5.1").labels())
                .containsEntry("parent", "5")
                .containsEntry("parentTitle", "Build MCP tool integrations")
                .containsEntry("requirements", "5.5 8.1");

        ParsedSpec two = formats.parse(read("kiro-2.md"), SpecFormat.KIRO);
        Map<String, ParsedTask> two2 = byId(two);
        assertThat(two.skipped())
                .filteredOn(s -> s.reason().equals("checkpoint"))
                .extracting(ParsedSpec.SkippedTask::id)
                .containsExactly("8", "16", "21");
        assertThat(two2.get("1").labels()).containsExactly(Map.entry("requirements", "5.3 5.4"));
        assertThat(two2.get("1").files()).containsExactly("models.py");
        // the checkpoint is not a task: 9 waits for what it waited for
        assertThat(two2.get("9").dependsOn()).containsExactly("7");

        // planned on request: 2 has work of its own, so it stays a task and 2.1 follows it
        ParsedSpec included = formats.parse("Optional: include\n" + read("kiro-2.md"), SpecFormat.KIRO);
        Map<String, ParsedTask> all = byId(included);
        assertThat(included.tasks()).hasSize(18 + 35);
        assertThat(all.get("2.1").labels()).containsEntry("optional", "true");
        assertThat(all.get("2.1").acceptance()).contains("Validates: Requirements 3.1");
        assertThat(all.get("2.1").dependsOn()).containsExactly("2");
        assertThat(all.get("3").dependsOn()).containsExactly("2.1");
    }

    private static void assertDependenciesPointBackwards(String name, ParsedSpec spec) {
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < spec.tasks().size(); i++) {
            position.put(spec.tasks().get(i).id(), i);
        }
        for (int i = 0; i < spec.tasks().size(); i++) {
            ParsedTask task = spec.tasks().get(i);
            for (String dependency : task.dependsOn()) {
                assertThat(position.get(dependency))
                        .as(name + ": " + task.id() + " -> " + dependency)
                        .isNotNull()
                        .isLessThan(i);
            }
        }
    }

    private static Map<String, ParsedTask> byId(ParsedSpec spec) {
        Map<String, ParsedTask> byId = new HashMap<>();
        spec.tasks().forEach(t -> byId.put(t.id(), t));
        return byId;
    }

    private static ParsedSpec withTestCommands(ParsedSpec spec) {
        return new ParsedSpec(
                spec.name(),
                spec.repository(),
                spec.repositoryLine(),
                spec.baseBranch(),
                spec.baseBranchLine(),
                spec.description(),
                spec.tasks().stream().map(t -> t.withTestCommand("true")).toList(),
                spec.taskSections(),
                spec.blank(),
                spec.errors(),
                spec.format(),
                spec.skipped());
    }
}
