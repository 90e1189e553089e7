package dev.forgeline.planner.quality;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.planner.spec.ParsedSpec;
import dev.forgeline.planner.spec.ParsedTask;
import dev.forgeline.planner.spec.SpecParser;
import org.junit.jupiter.api.Test;

/** The example spec the system test runs must be dispatched as it is: none of its tasks may be VAGUE. */
class ExampleSpecQualityTest {

    @Test
    void everyTaskOfTheTextkitExampleIsAtLeastModerateAndNamesNoSharedFile() throws IOException {
        String text = Files.readString(Path.of("../examples/specs/textkit.md"), StandardCharsets.UTF_8);
        ParsedSpec spec = new SpecParser(Duration.ofMinutes(15)).parse(text);
        assertThat(spec.tasks()).extracting(ParsedTask::id).containsExactly("slugify", "word-count", "title-report");
        for (ParsedTask task : spec.tasks()) {
            assertThat(QualityGate.score(task).qualityClass()).as(task.id()).isNotEqualTo(SpecQuality.VAGUE);
        }
        // slugify and word-count run in parallel, as before
        java.util.List<String> shared =
                new java.util.ArrayList<>(spec.tasks().get(0).files());
        shared.retainAll(spec.tasks().get(1).files());
        assertThat(shared).isEmpty();
    }
}
