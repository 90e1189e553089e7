package dev.forgeline.contracts.payload;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** What an attempt changed, against the base it started from. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DiffStats(int filesChanged, int linesAdded, int linesRemoved, List<String> files) {
    public DiffStats {
        files = files == null ? List.of() : List.copyOf(files);
    }

    public static DiffStats empty() {
        return new DiffStats(0, 0, 0, List.of());
    }

    public int linesChanged() {
        return linesAdded + linesRemoved;
    }
}
