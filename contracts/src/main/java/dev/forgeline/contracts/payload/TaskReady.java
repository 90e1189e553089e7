package dev.forgeline.contracts.payload;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;

/**
 * A task whose dependencies are met, with everything a worker needs to run it.
 *
 * @param repository      the target git repository (a local path or URL)
 * @param baseBranch      the branch task work starts from and merges into
 * @param estimateSeconds the author's estimate; timeouts derive from it
 * @param labels          node requirements such as {@code os=linux}
 * @param agentProfile    the agent profile to run, or null for the worker's default
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TaskReady(
        String specId,
        String specName,
        String taskId,
        String title,
        String description,
        List<String> acceptance,
        String testCommand,
        long estimateSeconds,
        List<String> dependsOn,
        String repository,
        String baseBranch,
        int priority,
        Map<String, String> labels,
        String agentProfile) {

    public TaskReady {
        acceptance = acceptance == null ? List.of() : List.copyOf(acceptance);
        dependsOn = dependsOn == null ? List.of() : List.copyOf(dependsOn);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
