package dev.forgeline.review.git;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.payload.DiffStats;
import dev.forgeline.support.git.GitRunner;

/** Counts what a commit changed with git itself: the worker's own numbers are not trusted. */
@ApplicationScoped
public class DiffCounter {
    private final GitRunner git;

    public DiffCounter(GitRunner git) {
        this.git = git;
    }

    /** {@code git diff --numstat from to}; binary files count as changed files with no lines. */
    public DiffStats diff(Path repository, String from, String to) {
        String numstat = git.run(repository, "diff", "--numstat", from, to).stdout();
        int added = 0;
        int removed = 0;
        List<String> files = new ArrayList<>();
        for (String line : numstat.split("\n")) {
            String[] columns = line.split("\t", 3);
            if (columns.length < 3) {
                continue;
            }
            added += count(columns[0]);
            removed += count(columns[1]);
            files.add(columns[2]);
        }
        return new DiffStats(files.size(), added, removed, files);
    }

    private static int count(String column) {
        return "-".equals(column) ? 0 : Integer.parseInt(column);
    }
}
