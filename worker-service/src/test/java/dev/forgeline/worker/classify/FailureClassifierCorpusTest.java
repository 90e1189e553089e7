package dev.forgeline.worker.classify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.forgeline.contracts.FailureClass;
import org.junit.jupiter.api.Test;

/**
 * The labelled corpus in {@code src/test/resources/failure-corpus}: one log excerpt per file, modelled on what
 * Maven, Gradle, npm, pip, go, cargo, ssh, git and the agent CLIs really print, each with its expected class,
 * phase, exit code and whether the worker stopped it at the deadline. Every sample must be classified right.
 */
class FailureClassifierCorpusTest {

    record Sample(
            String name,
            FailureClass expected,
            FailureClassifier.Phase phase,
            int exitCode,
            boolean timedOut,
            String log) {}

    @Test
    void classifiesEverySampleOfTheCorpus() throws Exception {
        List<Sample> samples = corpus();
        assertThat(samples).hasSizeGreaterThanOrEqualTo(40);
        List<String> wrong = new ArrayList<>();
        for (Sample sample : samples) {
            FailureClass actual =
                    FailureClassifier.classify(sample.phase(), sample.exitCode(), sample.timedOut(), sample.log());
            if (actual != sample.expected()) {
                wrong.add(sample.name() + ": expected " + sample.expected() + " but was " + actual);
            }
        }
        assertThat(wrong).as("misclassified samples").isEmpty();
    }

    @Test
    void corpusCoversEveryClassTheWorkerReportsAndEveryBuildTool() throws Exception {
        Map<FailureClass, Integer> perClass = new EnumMap<>(FailureClass.class);
        List<Sample> samples = corpus();
        samples.forEach(s -> perClass.merge(s.expected(), 1, Integer::sum));
        assertThat(perClass.keySet())
                .containsExactlyInAnyOrder(
                        FailureClass.TIMEOUT,
                        FailureClass.TEST_FAILURE,
                        FailureClass.DEPENDENCY_RESOLUTION,
                        FailureClass.NETWORK,
                        FailureClass.CONTEXT_EXHAUSTED,
                        FailureClass.AGENT_ERROR);
        List<String> dependencySamples = samples.stream()
                .filter(s -> s.expected() == FailureClass.DEPENDENCY_RESOLUTION)
                .map(Sample::name)
                .toList();
        for (String tool : List.of("maven", "gradle", "npm", "pip", "go", "cargo")) {
            assertThat(dependencySamples)
                    .as("dependency samples of " + tool)
                    .anyMatch(n -> n.contains("-" + tool + "-"));
        }
    }

    @Test
    void aFailedTestRunWithoutAKnownCauseIsATestFailureButAFailedAgentIsAnAgentError() {
        assertThat(FailureClassifier.classify(FailureClassifier.Phase.TESTS, 1, false, "FAIL"))
                .isEqualTo(FailureClass.TEST_FAILURE);
        assertThat(FailureClassifier.classify(FailureClassifier.Phase.AGENT, 1, false, "FAIL"))
                .isEqualTo(FailureClass.AGENT_ERROR);
        assertThat(FailureClassifier.classify(FailureClassifier.Phase.AGENT, 1, true, "Prompt is too long"))
                .as("the deadline wins over the output")
                .isEqualTo(FailureClass.TIMEOUT);
    }

    static List<Sample> corpus() throws IOException, URISyntaxException {
        Path dir = Path.of(
                FailureClassifierCorpusTest.class.getResource("/failure-corpus").toURI());
        List<Sample> samples = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file :
                    files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                samples.add(parse(file));
            }
        }
        return samples;
    }

    private static Sample parse(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int separator = text.indexOf("\n---\n");
        Map<String, String> header = new java.util.HashMap<>();
        for (String line : text.substring(0, separator).split("\n")) {
            String[] kv = line.split(":", 2);
            header.put(kv[0].strip(), kv[1].strip());
        }
        String name = file.getFileName().toString();
        return new Sample(
                name,
                FailureClass.valueOf(header.get("expected")),
                FailureClassifier.Phase.valueOf(header.get("phase")),
                Integer.parseInt(header.get("exit")),
                Boolean.parseBoolean(header.get("timed-out")),
                text.substring(separator + 5));
    }
}
