package dev.forgeline.review.analysis;

import java.util.List;

/**
 * What a task branch changes against the commit it started from, and which risky surfaces it touches. Each
 * finding is {@code path: why}; weakened verification findings are {@code FLAG: path} like the worker's flags.
 *
 * @param patch the unified diff (cut at {@link DiffAnalyzer#MAX_PATCH_CHARS})
 */
public record DiffAnalysis(
        List<FileChange> files,
        int linesAdded,
        int linesRemoved,
        List<String> newModules,
        List<String> apiSurface,
        List<String> securitySurface,
        List<String> dataModel,
        List<String> architecture,
        List<String> weakenedVerification,
        List<String> unknownFiles,
        String patch) {

    public DiffAnalysis {
        files = List.copyOf(files);
        newModules = List.copyOf(newModules);
        apiSurface = List.copyOf(apiSurface);
        securitySurface = List.copyOf(securitySurface);
        dataModel = List.copyOf(dataModel);
        architecture = List.copyOf(architecture);
        weakenedVerification = List.copyOf(weakenedVerification);
        unknownFiles = List.copyOf(unknownFiles);
    }

    public int linesChanged() {
        return linesAdded + linesRemoved;
    }

    public List<String> paths() {
        return files.stream().map(FileChange::path).toList();
    }
}
