package dev.forgeline.planner.quality;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.planner.spec.ParsedSpec;
import dev.forgeline.planner.spec.ParsedTask;
import dev.forgeline.planner.spec.SpecFormat;
import dev.forgeline.planner.spec.SpecFormats;
import org.junit.jupiter.api.Test;

/**
 * Scores the calibration set ({@code quality-calibration/labels.csv}: real spec-kit and Kiro tasks plus native
 * ones, labelled by the rubric in that folder's README) and reports agreement and a confusion matrix for the
 * tuning half and the held-out half, and whether each held-out task keeps its class when paraphrased. Only the
 * held-out half is asserted on: the gate was tuned on the other half.
 */
class QualityCalibrationTest {

    /** Measured on the held-out half after tuning: 76 of 102 (74.5%), rounded down. */
    static final double HELD_OUT_AGREEMENT_FLOOR = 74.0;
    /** Measured: 94 of 102 held-out tasks keep their class when paraphrased (92.2%), rounded down. */
    static final double PARAPHRASE_STABILITY_FLOOR = 92.0;
    /**
     * Distinct scores the gate gives the 80 real spec-kit tasks: 11 measured; before calibration it gave 7, and 45
     * to 35 of them.
     */
    static final int SPECKIT_DISTINCT_SCORES_FLOOR = 10;
    /** The largest share of the real spec-kit tasks that may get one and the same score (measured 28 of 80). */
    static final double SPECKIT_MODAL_SCORE_SHARE_CEILING = 0.4;

    private static final SpecFormats FORMATS = new SpecFormats(Duration.ofMinutes(15));
    // done, skipped and in-progress items are reopened so that their text is scored like an open task's
    private static final Pattern CLOSED_ITEM = Pattern.compile("(?m)^(\\s*[-*]\\s+)\\[[xX~-]\\]");

    record Label(String source, String id, SpecQuality label, boolean heldOut, String rationale) {}

    record Scored(Label label, QualityReport report) {}

    @Test
    void theGateAgreesWithTheRubricOnHeldOutRealTasksAndIgnoresParaphrasing() throws IOException {
        List<Label> labels = labels();
        assertThat(labels).hasSizeGreaterThanOrEqualTo(150);
        Map<String, Map<String, ParsedTask>> sources = new LinkedHashMap<>();
        for (Label label : labels) {
            if (!sources.containsKey(label.source())) {
                sources.put(label.source(), tasks(label.source(), source(label.source())));
            }
        }
        List<Scored> tune = new ArrayList<>();
        List<Scored> heldOut = new ArrayList<>();
        for (Label label : labels) {
            ParsedTask task = sources.get(label.source()).get(label.id());
            assertThat(task).as("%s %s is parsed", label.source(), label.id()).isNotNull();
            (label.heldOut() ? heldOut : tune).add(new Scored(label, QualityGate.score(task)));
        }
        double tuneAgreement = report("tuning half", tune);
        double heldOutAgreement = report("held-out half", heldOut);

        // paraphrases: same meaning, other words and structure, same fields
        Map<String, Map<String, ParsedTask>> paraphrased = new LinkedHashMap<>();
        int stable = 0;
        List<String> unstable = new ArrayList<>();
        System.out.println("paraphrases of held-out tasks (original class -> paraphrase class):");
        for (Scored scored : heldOut) {
            Label label = scored.label();
            String file = "paraphrases/" + paraphraseFile(label.source());
            if (!paraphrased.containsKey(file)) {
                paraphrased.put(file, tasks(label.source(), resource("/quality-calibration/" + file)));
            }
            ParsedTask paraphrase = paraphrased.get(file).get(label.id());
            assertThat(paraphrase)
                    .as("held-out %s %s has a paraphrase in %s", label.source(), label.id(), file)
                    .isNotNull();
            QualityReport again = QualityGate.score(paraphrase);
            boolean same = again.qualityClass() == scored.report().qualityClass();
            if (same) {
                stable++;
            } else {
                unstable.add(label.source() + " " + label.id());
            }
            System.out.printf(
                    "  %-6s %-28s %-5s %s (%d) -> %s (%d)%n",
                    same ? "same" : "CHANGE",
                    label.source(),
                    label.id(),
                    scored.report().qualityClass(),
                    scored.report().score(),
                    again.qualityClass(),
                    again.score());
        }
        double stability = 100.0 * stable / heldOut.size();
        System.out.printf(
                "paraphrase stability: %d of %d keep their class (%.1f%%)%n", stable, heldOut.size(), stability);

        // the spread of scores over the real spec-kit tasks
        Map<Integer, Integer> speckitScores = new TreeMap<>();
        int speckitTasks = 0;
        for (Scored scored : concat(tune, heldOut)) {
            if (scored.label().source().contains("speckit")) {
                speckitScores.merge(scored.report().score(), 1, Integer::sum);
                speckitTasks++;
            }
        }
        int modal = speckitScores.values().stream().max(Integer::compare).orElse(0);
        System.out.printf(
                "spec-kit scores (%d tasks): %d distinct, the most common taken by %d: %s%n",
                speckitTasks, speckitScores.size(), modal, speckitScores);
        System.out.printf(
                "agreement: tuning %.1f%%, held-out %.1f%%; paraphrase stability %.1f%%%n",
                tuneAgreement, heldOutAgreement, stability);

        assertThat(heldOutAgreement).as("held-out agreement (%)").isGreaterThanOrEqualTo(HELD_OUT_AGREEMENT_FLOOR);
        assertThat(stability)
                .as("paraphrase stability (%%); changed: %s", unstable)
                .isGreaterThanOrEqualTo(PARAPHRASE_STABILITY_FLOOR);
        assertThat(speckitScores.size())
                .as("distinct spec-kit scores")
                .isGreaterThanOrEqualTo(SPECKIT_DISTINCT_SCORES_FLOOR);
        assertThat((double) modal / speckitTasks)
                .as("share of spec-kit tasks with the most common score")
                .isLessThanOrEqualTo(SPECKIT_MODAL_SCORE_SHARE_CEILING);
    }

    /** Prints agreement, per-class recall, the confusion matrix and the disagreements; returns agreement in %. */
    private static double report(String name, List<Scored> scored) {
        Map<SpecQuality, Map<SpecQuality, Integer>> matrix = new EnumMap<>(SpecQuality.class);
        for (SpecQuality q : SpecQuality.values()) {
            Map<SpecQuality, Integer> row = new EnumMap<>(SpecQuality.class);
            for (SpecQuality r : SpecQuality.values()) {
                row.put(r, 0);
            }
            matrix.put(q, row);
        }
        int agree = 0;
        List<String> disagreements = new ArrayList<>();
        for (Scored s : scored) {
            SpecQuality got = s.report().qualityClass();
            matrix.get(s.label().label()).merge(got, 1, Integer::sum);
            if (got == s.label().label()) {
                agree++;
            } else {
                disagreements.add(String.format(
                        "%s %s: labelled %s, scored %s (%d, %s)",
                        s.label().source(),
                        s.label().id(),
                        s.label().label(),
                        got,
                        s.report().score(),
                        s.report().reasons().stream()
                                .map(QualityReport.Reason::code)
                                .toList()));
            }
        }
        double agreement = 100.0 * agree / scored.size();
        StringBuilder out = new StringBuilder();
        out.append(String.format("%s: %d of %d agree (%.1f%%)%n", name, agree, scored.size(), agreement));
        out.append(String.format("  %-18s", "label \\ gate"));
        for (SpecQuality q : SpecQuality.values()) {
            out.append(String.format("%18s", q));
        }
        out.append('\n');
        matrix.forEach((label, row) -> {
            out.append(String.format("  %-18s", label));
            row.values().forEach(n -> out.append(String.format("%18d", n)));
            out.append('\n');
        });
        disagreements.forEach(d -> out.append("  disagreement ").append(d).append('\n'));
        System.out.print(out);
        return agreement;
    }

    private static List<Label> labels() throws IOException {
        List<Label> labels = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        resource("/quality-calibration/labels.csv")
                .lines()
                .skip(1)
                .filter(l -> !l.isBlank())
                .forEach(line -> {
                    String[] cells = line.split(",", 5);
                    assertThat(cells).as(line).hasSize(5);
                    assertThat(cells[3]).as(line).isIn("tune", "held-out");
                    assertThat(seen.add(cells[0] + " " + cells[1]))
                            .as("labelled once: " + line)
                            .isTrue();
                    labels.add(new Label(
                            cells[0], cells[1], SpecQuality.valueOf(cells[2]), cells[3].equals("held-out"), cells[4]));
                });
        return labels;
    }

    /** A source file of the set: a test resource, or a file of the repository's examples folder. */
    private static String source(String source) throws IOException {
        if (source.startsWith("examples/")) {
            return Files.readString(Path.of("..").resolve(source), StandardCharsets.UTF_8);
        }
        return resource("/" + source);
    }

    private static String paraphraseFile(String source) {
        String name = source.substring(source.lastIndexOf('/') + 1);
        return source.startsWith("quality-set/") ? "quality-set.md" : name;
    }

    /**
     * The tasks of a file by id, as the planner reads them: every item open (done and skipped items are scored
     * too), Kiro's optional items included, and the test command a request gives tasks that name none.
     */
    private static Map<String, ParsedTask> tasks(String source, String text) {
        SpecFormat format = SpecFormats.detect(text);
        String reopened = CLOSED_ITEM.matcher(text).replaceAll("$1[ ]");
        if (format == SpecFormat.KIRO) {
            reopened = "Optional: include\n" + reopened;
        }
        ParsedSpec spec = FORMATS.parse(reopened, format);
        assertThat(spec.errors()).as(source).isEmpty();
        String command = testCommand(source);
        // the planner gives a request's test command only to formats that cannot name one
        Map<String, ParsedTask> byId = new LinkedHashMap<>();
        for (ParsedTask task : spec.tasks()) {
            boolean needsCommand = format != SpecFormat.FORGELINE && task.testCommand() == null;
            byId.put(task.id(), needsCommand ? task.withTestCommand(command) : task);
        }
        return byId;
    }

    /** What a person submitting the file would pass as {@code ?testCommand=} for the project it comes from. */
    private static String testCommand(String source) {
        if (source.contains("speckit-1")) {
            return "flutter test";
        } else if (source.contains("speckit-2")) {
            return "go test ./...";
        } else if (source.contains("kiro-1")) {
            return "npm test";
        } else if (source.contains("kiro-2")) {
            return "pytest";
        }
        return "true";
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = QualityCalibrationTest.class.getResourceAsStream(name)) {
            assertThat(in).as(name + " on the classpath").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<Scored> concat(List<Scored> a, List<Scored> b) {
        List<Scored> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
