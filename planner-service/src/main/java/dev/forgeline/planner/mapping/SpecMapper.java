package dev.forgeline.planner.mapping;

import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.planner.domain.Spec;
import dev.forgeline.planner.domain.Task;
import dev.forgeline.planner.dto.SpecSummary;
import dev.forgeline.planner.dto.SpecView;
import dev.forgeline.planner.dto.TaskView;
import dev.forgeline.planner.spec.ParsedTask;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Entities to views and events, and parsed tasks to entities. */
@ApplicationScoped
public class SpecMapper {

    public Task toTask(String specId, int position, ParsedTask parsed, Instant now) {
        Task task = new Task();
        task.specId = specId;
        task.taskId = parsed.id();
        task.position = position;
        task.title = parsed.title();
        task.description = parsed.description();
        task.acceptance = new ArrayList<>(parsed.acceptance());
        task.testCommand = parsed.testCommand();
        task.estimateSeconds = parsed.estimateSeconds();
        task.dependsOn = new ArrayList<>(parsed.dependsOn());
        task.priority = parsed.priority();
        task.labels = new LinkedHashMap<>(parsed.labels());
        task.agentProfile = parsed.agentProfile();
        task.line = parsed.line();
        task.state = parsed.dependsOn().isEmpty() ? TaskState.READY : TaskState.PLANNED;
        task.attempt = 0;
        task.updatedAt = now;
        return task;
    }

    /** Everything a worker needs to run the task. */
    public TaskReady toTaskReady(Spec spec, Task task) {
        return new TaskReady(spec.id, spec.name, task.taskId, task.title, task.description, task.acceptance,
                task.testCommand, task.estimateSeconds, task.dependsOn, spec.repository, spec.baseBranch,
                task.priority, task.labels, task.agentProfile);
    }

    public TaskView toView(Task task) {
        return new TaskView(task.taskId, task.title, task.state, List.copyOf(task.dependsOn), task.attempt,
                task.failureClass, task.reviewLevel, task.mergeCommit, task.updatedAt);
    }

    public SpecView toView(Spec spec, List<Task> tasks) {
        Map<TaskState, Long> counts = new EnumMap<>(TaskState.class);
        tasks.forEach(task -> counts.merge(task.state, 1L, Long::sum));
        return new SpecView(spec.id, spec.name, spec.repository, spec.baseBranch, spec.createdAt, byName(counts),
                tasks.stream().map(this::toView).toList());
    }

    public SpecSummary toSummary(Spec spec, Map<TaskState, Long> counts) {
        return new SpecSummary(spec.id, spec.name, spec.createdAt, byName(counts));
    }

    /** Counts keyed by state name, in the order of the task life cycle. */
    private static Map<String, Long> byName(Map<TaskState, Long> counts) {
        Map<String, Long> named = new LinkedHashMap<>();
        for (TaskState state : TaskState.values()) {
            Long n = counts.get(state);
            if (n != null && n > 0) {
                named.put(state.name(), n);
            }
        }
        return named;
    }
}
