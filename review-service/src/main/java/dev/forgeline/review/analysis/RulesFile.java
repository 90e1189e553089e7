package dev.forgeline.review.analysis;

import java.io.IOException;
import java.nio.file.Path;

/** Reads a repository's {@link ReviewRules#FILE} at a trusted revision (its base branch). */
public final class RulesFile {
    private RulesFile() {}

    /** The rules at {@code ref}; the defaults when the file is absent, with a problem when it cannot be read. */
    public static ReviewRules read(Path repository, String ref, int defaultAutoMergeMaxLines) {
        try {
            return DiffAnalyzer.readFile(repository, ref, ReviewRules.FILE)
                    .map(text -> ReviewRules.parse(text, defaultAutoMergeMaxLines))
                    .orElseGet(() -> ReviewRules.defaults(defaultAutoMergeMaxLines));
        } catch (IOException | RuntimeException e) {
            return ReviewRules.defaults(defaultAutoMergeMaxLines)
                    .withProblem(ReviewRules.FILE + " could not be read at " + ref + " (" + e.getMessage()
                            + "): defaults apply");
        }
    }
}
