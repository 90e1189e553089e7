package dev.forgeline.metrics.git;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.LocalDate;

import dev.forgeline.metrics.git.RetentionScanner.SpecWeek;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionScannerTest {
    @TempDir
    Path dir;

    @Test
    void survivingLinesAreAttributedToTaskCommitsByTheirTrailerAfterLaterCommitsDeletePartOfThem() throws Exception {
        TaskHistoryRepository.create(dir, "spec-a", "spec-b");

        assertThat(RetentionScanner.scan(dir, "main"))
                .containsExactly(
                        new SpecWeek("spec-a", LocalDate.parse("2026-01-12"), 15, 10),
                        new SpecWeek("spec-b", LocalDate.parse("2026-01-19"), 3, 2));
    }

    @Test
    void revertCommitsAreNotTaskOutputEvenWithATaskTrailer() throws Exception {
        TaskHistoryRepository.createWithReverts(dir, "spec-r");

        assertThat(RetentionScanner.scan(dir, "main"))
                .containsExactly(new SpecWeek("spec-r", LocalDate.parse("2026-01-12"), 6, 1));
    }

    @Test
    void aMissingBranchHasNothingToMeasure() throws Exception {
        TaskHistoryRepository.create(dir, "spec-a", "spec-b");

        assertThat(RetentionScanner.scan(dir, "trunk")).isEmpty();
    }
}
