package dev.forgeline.contracts.payload;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** What a merged dependency did, so the agent of a dependent task knows the ground it builds on. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DependencySummary(String taskId, String title, String mergeCommit, List<String> files, String summary) {
    public DependencySummary {
        files = files == null ? List.of() : List.copyOf(files);
    }
}
