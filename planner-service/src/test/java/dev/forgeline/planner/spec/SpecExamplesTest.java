package dev.forgeline.planner.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Plans every real spec-kit and Kiro {@code tasks.md} in the {@code shared/spec-examples} folder beside the
 * repository (public files, see SOURCES.md there): the format is detected, every open item becomes a task in
 * document order, done and skipped items are left out, and the dependencies only point backwards, follow the
 * phase and {@code [P]} rules, and form a valid graph.
 */
class SpecExamplesTest {
    /** The folder beside the repository root; a checkout elsewhere names it with -Dforgeline.spec-examples=DIR. */
    private static final Path EXAMPLES =
            Path.of(System.getProperty("forgeline.spec-examples", "../../shared/spec-examples"));

    private final SpecFormats formats = new SpecFormats(Duration.ofMinutes(15));

    /** file -> {format, open tasks, done or skipped items, first open id, last open id} */
    private static final Map<String, Object[]> EXPECTED = Map.of(
            "speckit-1.md", new Object[] {SpecFormat.SPECKIT, 21, 0, "T001", "T021"},
            "speckit-2.md", new Object[] {SpecFormat.SPECKIT, 0, 59, null, null},
            "kiro-1.md", new Object[] {SpecFormat.KIRO, 29, 8, "4", "11.3"},
            "kiro-2.md", new Object[] {SpecFormat.KIRO, 56, 0, "1", "22"});

    private static String read(String name) throws IOException {
        return Files.readString(EXAMPLES.resolve(name), StandardCharsets.UTF_8);
    }

    @Test
    void everyExampleFileIsKnownAndPlannedWithItsTaskCountAndOrder() throws IOException {
        List<String> files;
        try (Stream<Path> list = Files.list(EXAMPLES)) {
            files = list.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".md"))
                    .filter(n -> !n.equals("SOURCES.md"))
                    .sorted()
                    .toList();
        }
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
    void speckitPhasesParallelMarkersAndDependsOnLinesOrderTheTasks() throws IOException {
        ParsedSpec spec = formats.parse(read("speckit-1.md"), SpecFormat.SPECKIT);
        Map<String, ParsedTask> byId = byId(spec);
        assertThat(spec.name()).isEqualTo("Faceted Label Filtering");
        assertThat(byId.get("T001").dependsOn()).isEmpty();
        // phase 2 starts after phase 1; T002 [P] and T003 both wait only for T001; T004 waits for T003 only
        assertThat(byId.get("T002").dependsOn()).containsExactly("T001");
        assertThat(byId.get("T003").dependsOn()).containsExactly("T001", "T002");
        assertThat(byId.get("T004").dependsOn()).containsExactly("T003");
        // phase 3 (US1) follows phase 2 by default
        assertThat(byId.get("T007").dependsOn()).containsExactly("T006");
        assertThat(byId.get("T008").dependsOn()).containsExactly("T007");
        assertThat(byId.get("T008").labels()).containsEntry("story", "US1");
        // phase 4 says "Depends on: Phase 2": it does not wait for US1
        assertThat(byId.get("T009").dependsOn()).containsExactly("T006");
        // T012..T015 are [P] after T011; phase 5 depends on phase 4: T016 waits for T011 and all four
        assertThat(byId.get("T012").dependsOn()).containsExactly("T011");
        assertThat(byId.get("T016").dependsOn()).containsExactly("T011", "T012", "T013", "T014", "T015");
        // file paths in the text become files
        assertThat(byId.get("T003").files())
                .containsExactly(
                        "lib/features/catalog/domain/repositories/product_repository.dart",
                        "contracts/product-repository.md");
        assertThat(byId.get("T007").files())
                .contains("lib/features/catalog/domain/repositories/product_repository.dart");
        assertThat(byId.get("T010").files())
                .contains("lib/l10n/app_es.arb", "lib/l10n/app_en.arb", "label_multi_picker.dart");
    }

    @Test
    void kiroIsSequentialSkipsDoneItemsAndKeepsRequirementsAndOptionalMarks() throws IOException {
        ParsedSpec one = formats.parse(read("kiro-1.md"), SpecFormat.KIRO);
        assertThat(one.skipped()).extracting(ParsedSpec.SkippedTask::reason).containsOnly("done");
        List<ParsedTask> tasks = one.tasks();
        for (int i = 1; i < tasks.size(); i++) {
            assertThat(tasks.get(i).dependsOn())
                    .as(tasks.get(i).id())
                    .containsExactly(tasks.get(i - 1).id());
        }
        assertThat(tasks.get(0).dependsOn()).isEmpty();

        ParsedSpec two = formats.parse(read("kiro-2.md"), SpecFormat.KIRO);
        Map<String, ParsedTask> byId = byId(two);
        assertThat(byId.get("1").labels()).containsEntry("requirements", "5.3 5.4");
        assertThat(byId.get("2.1").labels()).containsEntry("optional", "true");
        assertThat(byId.get("2.1").acceptance()).contains("Validates: Requirements 3.1");
        assertThat(byId.get("2.1").dependsOn()).containsExactly("2");
        assertThat(byId.get("1").files()).contains("models.py");
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
