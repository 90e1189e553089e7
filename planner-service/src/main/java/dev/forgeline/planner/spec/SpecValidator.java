package dev.forgeline.planner.spec;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a parsed spec as a whole: it has tasks, every task has a test command, and the dependencies form a
 * graph that can be run (known ids, no task depending on itself, no cycles). Returns every fault, the
 * parser's included, ordered by line.
 */
public final class SpecValidator {
    private SpecValidator() {}

    public static List<SpecError> validate(ParsedSpec spec) {
        return validate(spec, SpecLimits.DEFAULT);
    }

    /** Also checks the spec against {@code limits}: each value over a limit is one fault on its task's line. */
    public static List<SpecError> validate(ParsedSpec spec, SpecLimits limits) {
        List<SpecError> errors = new ArrayList<>(spec.errors());
        if (spec.blank()) {
            return errors;
        }
        if (spec.taskSections() == 0) {
            if (!spec.skipped().isEmpty()) {
                errors.add(
                        new SpecError("every task item of the spec is done or skipped: nothing to plan", null, null));
            } else if (spec.format() == SpecFormat.FORGELINE) {
                errors.add(new SpecError("the spec has no '## Task:' sections", null, null));
            }
            return errors;
        }
        java.util.Set<String> met = new java.util.HashSet<>();
        spec.skipped().forEach(skipped -> met.add(skipped.id()));
        Map<String, ParsedTask> tasks = new LinkedHashMap<>();
        spec.tasks().forEach(task -> tasks.put(task.id(), task));
        for (ParsedTask task : spec.tasks()) {
            if (task.testCommand() == null) {
                errors.add(new SpecError("task " + task.id() + " has no Test command", task.line(), "Test command"));
            }
            for (String dependency : task.dependsOn()) {
                if (dependency.equals(task.id())) {
                    errors.add(new SpecError(
                            "task " + task.id() + " depends on itself", task.dependsOnLine(), "Depends-on"));
                } else if (!tasks.containsKey(dependency) && !met.contains(dependency)) {
                    errors.add(new SpecError(
                            "task " + task.id() + " depends on unknown task '" + dependency + "'",
                            task.dependsOnLine(),
                            "Depends-on"));
                }
            }
        }
        errors.addAll(overLimits(spec, limits));
        for (List<String> cycle : cycles(tasks)) {
            ParsedTask first = tasks.get(cycle.get(0));
            errors.add(new SpecError(
                    "dependency cycle: " + String.join(" -> ", cycle), first.dependsOnLine(), "Depends-on"));
        }
        errors.sort(Comparator.comparing(e -> e.line() == null ? 0 : e.line()));
        return errors;
    }

    static List<SpecError> overLimits(ParsedSpec spec, SpecLimits limits) {
        List<SpecError> errors = new ArrayList<>();
        if (spec.tasks().size() > limits.maxTasks()) {
            ParsedTask first = spec.tasks().get(limits.maxTasks());
            errors.add(new SpecError(
                    "the spec has " + spec.tasks().size() + " tasks; the limit is " + limits.maxTasks() + " (task "
                            + first.id() + " is the first over it): split the spec",
                    first.line(),
                    "Task"));
        }
        for (ParsedTask task : spec.tasks()) {
            if (task.labels().size() > limits.maxLabelsPerTask()) {
                errors.add(new SpecError(
                        "task " + task.id() + " has " + task.labels().size() + " labels; the limit is "
                                + limits.maxLabelsPerTask(),
                        task.line(),
                        "Labels"));
            }
            if (task.estimateSeconds() > limits.maxEstimate().toSeconds()) {
                errors.add(new SpecError(
                        "task " + task.id() + " is estimated at " + task.estimateSeconds() + "s; the limit is "
                                + limits.maxEstimate().toSeconds() + "s ("
                                + limits.maxEstimate().toHours()
                                + "h): split the task",
                        task.line(),
                        "Estimate"));
            }
            textLimit(errors, task, "Title", List.of(nullToEmpty(task.title())), limits.maxTitleLength());
            textLimit(errors, task, "Description", List.of(nullToEmpty(task.description())), limits.maxTextLength());
            textLimit(errors, task, "Test command", List.of(nullToEmpty(task.testCommand())), limits.maxTextLength());
            textLimit(errors, task, "Acceptance", task.acceptance(), limits.maxTextLength());
            textLimit(errors, task, "Constraints", task.constraints(), limits.maxTextLength());
            textLimit(errors, task, "Inputs", task.inputs(), limits.maxTextLength());
            textLimit(errors, task, "Outputs", task.outputs(), limits.maxTextLength());
            textLimit(errors, task, "Files", task.files(), limits.maxTextLength());
            textLimit(errors, task, "Labels", List.copyOf(task.labels().values()), limits.maxTextLength());
        }
        return errors;
    }

    /** One fault per field: the longest of its values, when over the limit. */
    private static void textLimit(List<SpecError> errors, ParsedTask task, String field, List<String> values, int max) {
        int longest = values.stream().mapToInt(String::length).max().orElse(0);
        if (longest > max) {
            errors.add(new SpecError(
                    "task " + task.id() + ": " + field + " has " + longest + " characters; the limit is " + max,
                    task.line(),
                    field));
        }
    }

    private static String nullToEmpty(String text) {
        return text == null ? "" : text;
    }

    /**
     * Each cycle found by a depth-first walk in spec order, written from the task the walk reached first back
     * to itself ({@code T1 -> T2 -> T1}). Iterative, so a long dependency chain cannot overflow the stack.
     * Self-dependencies and unknown ids are reported elsewhere and skipped here.
     */
    static List<List<String>> cycles(Map<String, ParsedTask> tasks) {
        List<List<String>> cycles = new ArrayList<>();
        Map<String, Integer> state = new HashMap<>(); // absent: unvisited, -1: done, >= 0: index on the path
        List<String> path = new ArrayList<>();
        Deque<int[]> next = new ArrayDeque<>(); // per path element: index of the next dependency to follow
        for (String root : tasks.keySet()) {
            if (state.containsKey(root)) {
                continue;
            }
            state.put(root, 0);
            path.add(root);
            next.push(new int[] {0});
            while (!path.isEmpty()) {
                String current = path.get(path.size() - 1);
                List<String> dependencies = tasks.get(current).dependsOn();
                int[] cursor = next.peek();
                if (cursor[0] == dependencies.size()) {
                    state.put(current, -1);
                    path.remove(path.size() - 1);
                    next.pop();
                    continue;
                }
                String dependency = dependencies.get(cursor[0]++);
                if (dependency.equals(current) || !tasks.containsKey(dependency)) {
                    continue;
                }
                Integer seen = state.get(dependency);
                if (seen == null) {
                    state.put(dependency, path.size());
                    path.add(dependency);
                    next.push(new int[] {0});
                } else if (seen >= 0) {
                    List<String> cycle = new ArrayList<>(path.subList(seen, path.size()));
                    cycle.add(dependency);
                    cycles.add(cycle);
                }
            }
        }
        return cycles;
    }
}
