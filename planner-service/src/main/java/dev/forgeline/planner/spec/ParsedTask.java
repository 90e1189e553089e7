package dev.forgeline.planner.spec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One task as the author wrote it, in any accepted format.
 *
 * @param testCommand   null when the task names none (Forgeline's format requires one; other formats take the
 *                      request's or the configured default)
 * @param dependsOn     explicit dependencies plus, for spec-kit and Kiro, those the phase and sequence order imply
 * @param dependsOnLine line of the {@code Depends-on:} field, or null when there is none
 * @param agentProfile  null for the worker's default
 * @param line          line of the task heading (or checkbox item)
 * @param files         files the task names (its {@code Files:} field and paths in its text), without repeats
 * @param acceptanceGiven the author wrote an acceptance field (even an empty one)
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
        int line,
        List<String> inputs,
        List<String> outputs,
        List<String> constraints,
        List<String> files,
        boolean acceptanceGiven) {

    public ParsedTask {
        acceptance = List.copyOf(acceptance);
        dependsOn = List.copyOf(dependsOn);
        // keeps the author's order of labels
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        constraints = List.copyOf(constraints);
        files = List.copyOf(new java.util.LinkedHashSet<>(files));
    }

    /** The same task with another test command (the default for formats that name none). */
    public ParsedTask withTestCommand(String command) {
        return new ParsedTask(
                id,
                title,
                description,
                acceptance,
                command,
                estimateSeconds,
                dependsOn,
                dependsOnLine,
                priority,
                labels,
                agentProfile,
                line,
                inputs,
                outputs,
                constraints,
                files,
                acceptanceGiven);
    }
}
