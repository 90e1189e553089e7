package dev.forgeline.planner.quality;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.planner.spec.ParsedSpec;
import dev.forgeline.planner.spec.ParsedTask;
import dev.forgeline.planner.spec.SpecParser;
import org.junit.jupiter.api.Test;

/**
 * Scores the labelled set ({@code quality-set/tasks.md}, expected classes in {@code quality-set/labels.csv}) and
 * checks the gate agrees with the labels on at least 90% of the tasks, in every class.
 */
class QualityLabelledSetTest {

    private static String resource(String name) throws IOException {
        try (InputStream in = QualityLabelledSetTest.class.getResourceAsStream("/quality-set/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theGateAgreesWithTheLabelsOnAtLeast90Percent() throws IOException {
        Map<String, SpecQuality> labels = new LinkedHashMap<>();
        resource("labels.csv").lines().skip(1).filter(l -> !l.isBlank()).forEach(line -> {
            String[] cells = line.split(",");
            labels.put(cells[0].strip(), SpecQuality.valueOf(cells[1].strip()));
        });
        ParsedSpec spec = new SpecParser(Duration.ofMinutes(15)).parse(resource("tasks.md"));
        assertThat(spec.errors()).isEmpty();
        assertThat(spec.tasks()).hasSizeGreaterThanOrEqualTo(40);
        assertThat(spec.tasks()).extracting(ParsedTask::id).containsExactlyInAnyOrderElementsOf(labels.keySet());
        for (SpecQuality quality : SpecQuality.values()) {
            assertThat(labels.values())
                    .as("labelled %s tasks", quality)
                    .filteredOn(q -> q == quality)
                    .hasSizeGreaterThanOrEqualTo(10);
        }

        int agree = 0;
        Map<SpecQuality, int[]> perClass = new EnumMap<>(SpecQuality.class);
        List<String> disagreements = new ArrayList<>();
        for (ParsedTask task : spec.tasks()) {
            QualityReport report = QualityGate.score(task);
            SpecQuality expected = labels.get(task.id());
            int[] counts = perClass.computeIfAbsent(expected, q -> new int[2]);
            counts[1]++;
            if (report.qualityClass() == expected) {
                agree++;
                counts[0]++;
            } else {
                disagreements.add(task.id() + ": labelled " + expected + ", scored " + report.qualityClass() + " ("
                        + report.score() + ", "
                        + report.reasons().stream()
                                .map(QualityReport.Reason::code)
                                .toList()
                        + ")");
            }
        }
        double agreement = 100.0 * agree / spec.tasks().size();
        System.out.printf(
                "spec-quality labelled set: %d of %d agree (%.1f%%)%n",
                agree, spec.tasks().size(), agreement);
        perClass.forEach((q, c) -> System.out.printf("  %-16s %d/%d%n", q, c[0], c[1]));
        disagreements.forEach(d -> System.out.println("  disagreement " + d));
        assertThat(agreement).as("agreement; disagreements: %s", disagreements).isGreaterThanOrEqualTo(90.0);
    }
}
