package dev.forgeline.planner.mapping;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.DependencySummary;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.planner.domain.Spec;
import dev.forgeline.planner.domain.Task;
import dev.forgeline.planner.dto.SpecSummary;
import dev.forgeline.planner.dto.SpecView;
import dev.forgeline.planner.dto.TaskView;
import dev.forgeline.planner.quality.QualityReport;
import dev.forgeline.planner.spec.ParsedTask;

/** Entities to views and events, and parsed tasks to entities. */
@ApplicationScoped
public class SpecMapper {

    /** A new PLANNED task; the planner releases it when its dependencies and files allow. */
    public Task toTask(
            String specId, int position, ParsedTask parsed, QualityReport quality, int revision, Instant now) {
        Task task = new Task();
        task.specId = specId;
        task.taskId = parsed.id();
        task.position = position;
        copyText(task, parsed, quality);
        task.state = TaskState.PLANNED;
        task.attempt = 0;
        task.revision = revision;
        task.depth = 0;
        task.updatedAt = now;
        return task;
    }

    /** Everything the author wrote, and the gate's verdict on it. */
    public void copyText(Task task, ParsedTask parsed, QualityReport quality) {
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
        task.inputs = new ArrayList<>(parsed.inputs());
        task.outputs = new ArrayList<>(parsed.outputs());
        task.constraints = new ArrayList<>(parsed.constraints());
        task.files = new ArrayList<>(parsed.files());
        task.qualityClass = quality.qualityClass();
        task.qualityScore = quality.score();
        task.qualityReasons = new ArrayList<>(quality.reasons().stream()
                .map(r -> r.code() + ": " + r.detail())
                .toList());
        task.textHash = textHash(parsed);
    }

    /** Fingerprint of everything the author wrote for the task except where it sits in the file. */
    public static String textHash(ParsedTask t) {
        String text = String.join(
                "\u0000",
                t.id(),
                t.title(),
                t.description(),
                String.join("\u0001", t.acceptance()),
                String.valueOf(t.testCommand()),
                Long.toString(t.estimateSeconds()),
                String.join(",", t.dependsOn()),
                Integer.toString(t.priority()),
                t.labels().toString(),
                String.valueOf(t.agentProfile()),
                String.join("\u0001", t.inputs()),
                String.join("\u0001", t.outputs()),
                String.join("\u0001", t.constraints()),
                String.join(",", t.files()));
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Everything a worker needs to run the task, with what its merged dependencies did. */
    public TaskReady toTaskReady(Spec spec, Task task, List<Task> specTasks) {
        List<DependencySummary> summaries = new ArrayList<>();
        for (String dependency : task.dependsOn) {
            specTasks.stream()
                    .filter(t -> t.taskId.equals(dependency) && t.state == TaskState.MERGED)
                    .findFirst()
                    .ifPresent(d -> summaries.add(new DependencySummary(
                            d.taskId,
                            d.title,
                            d.mergeCommit,
                            d.files,
                            d.title + (d.description.isBlank() ? "" : ": " + firstLine(d.description)))));
        }
        return new TaskReady(
                spec.id,
                spec.name,
                task.taskId,
                task.title,
                description(task),
                task.acceptance,
                task.testCommand,
                task.estimateSeconds,
                task.dependsOn,
                spec.repository,
                spec.baseBranch,
                task.priority,
                task.labels,
                task.agentProfile,
                task.revision,
                task.qualityClass,
                task.qualityScore,
                task.files,
                task.parentTaskId,
                task.origin,
                summaries);
    }

    /** The description with the Inputs, Outputs and Constraints the author gave, for the agent's prompt. */
    private static String description(Task task) {
        StringBuilder text = new StringBuilder(task.description);
        section(text, "Inputs", task.inputs);
        section(text, "Outputs", task.outputs);
        section(text, "Constraints", task.constraints);
        return text.toString();
    }

    private static void section(StringBuilder text, String name, List<String> entries) {
        if (entries == null || entries.isEmpty()) {
            return;
        }
        if (!text.isEmpty()) {
            text.append("\n\n");
        }
        text.append(name).append(':');
        entries.forEach(e -> text.append("\n- ").append(e));
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    public TaskView toView(Task task) {
        return new TaskView(
                task.taskId,
                task.title,
                task.state,
                List.copyOf(task.dependsOn),
                task.attempt,
                task.failureClass,
                task.reviewLevel,
                task.mergeCommit,
                task.updatedAt,
                task.revision,
                task.qualityClass,
                task.qualityScore,
                List.copyOf(task.qualityReasons),
                List.copyOf(task.files),
                task.origin,
                task.parentTaskId);
    }

    public SpecView toView(Spec spec, List<Task> tasks) {
        Map<TaskState, Long> counts = new EnumMap<>(TaskState.class);
        tasks.forEach(task -> counts.merge(task.state, 1L, Long::sum));
        return new SpecView(
                spec.id,
                spec.name,
                spec.repository,
                spec.baseBranch,
                spec.createdAt,
                byName(counts),
                tasks.stream().map(this::toView).toList(),
                spec.revision,
                spec.format);
    }

    public SpecSummary toSummary(Spec spec, Map<TaskState, Long> counts) {
        return new SpecSummary(spec.id, spec.name, spec.createdAt, byName(counts), spec.revision);
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
