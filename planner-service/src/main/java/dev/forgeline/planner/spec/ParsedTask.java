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
 * @param labels        metadata (story, requirement references, phase, optional, parent group): shown, never used
 *                      for placement
 * @param files         files the task writes (its {@code Files:} and {@code Outputs:} fields and paths its text
 *                      says it creates or changes), without repeats; tasks writing the same file are never in flight
 *                      together
 * @param acceptanceGiven the author wrote an acceptance field (even an empty one)
 * @param requires      placement requirements ({@code Requires: os=macos}): a node runs the task only when it offers
 *                      every one
 * @param fileReasons   for each file of {@code files}, why it counts as written ({@code Files:}, {@code writes: add})
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
        boolean acceptanceGiven,
        Map<String, String> requires,
        Map<String, String> fileReasons) {

    public ParsedTask {
        requires = Collections.unmodifiableMap(new LinkedHashMap<>(requires == null ? Map.of() : requires));
        Map<String, String> reasons = new LinkedHashMap<>();
        for (String file : new java.util.LinkedHashSet<>(files)) {
            reasons.put(file, fileReasons == null ? "named" : fileReasons.getOrDefault(file, "named"));
        }
        fileReasons = Collections.unmodifiableMap(reasons);
        acceptance = List.copyOf(acceptance);
        dependsOn = List.copyOf(dependsOn);
        // keeps the author's order of labels
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        constraints = List.copyOf(constraints);
        files = List.copyOf(new java.util.LinkedHashSet<>(files));
    }

    /** A task without placement requirements whose files are all written. */
    public ParsedTask(
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
        this(
                id,
                title,
                description,
                acceptance,
                testCommand,
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
                acceptanceGiven,
                Map.of(),
                null);
    }

    /** The same task writing other files, each with why it counts as written. */
    public ParsedTask withFiles(List<String> newFiles, Map<String, String> newReasons) {
        return new ParsedTask(
                id,
                title,
                description,
                acceptance,
                testCommand,
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
                newFiles,
                acceptanceGiven,
                requires,
                newReasons);
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
                acceptanceGiven,
                requires,
                fileReasons);
    }
}
