package dev.forgeline.review.analysis;

import java.util.List;

/**
 * One file a diff touched.
 *
 * @param path    the new path (the old one for a deletion)
 * @param oldPath the path before, differs from {@code path} for a rename
 */
public record FileChange(
        String path,
        String oldPath,
        Kind kind,
        int linesAdded,
        int linesRemoved,
        boolean binary,
        List<String> addedLines,
        List<String> removedLines) {

    public enum Kind {
        ADDED,
        MODIFIED,
        DELETED,
        RENAMED,
        COPIED
    }

    public FileChange {
        addedLines = List.copyOf(addedLines);
        removedLines = List.copyOf(removedLines);
    }
}
