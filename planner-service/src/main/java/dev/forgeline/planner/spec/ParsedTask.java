package dev.forgeline.planner.spec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code ## Task:} section as the author wrote it.
 *
 * @param testCommand   null when the section has no {@code Test command:} (the validator reports it)
 * @param dependsOnLine line of the {@code Depends-on:} field, or null when there is none
 * @param agentProfile  null for the worker's default
 * @param line          line of the task heading
 */
public record ParsedTask(
        String id,
        String title,
        String description,
        List<String> acceptance,
        String testCommand,
        long estimateSeconds,
        List<String> dependsOn,
        Integer dependsOnLine,
        int priority,
        Map<String, String> labels,
        String agentProfile,
        int line) {

    public ParsedTask {
        acceptance = List.copyOf(acceptance);
        dependsOn = List.copyOf(dependsOn);
        // keeps the author's order of labels
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }
}
