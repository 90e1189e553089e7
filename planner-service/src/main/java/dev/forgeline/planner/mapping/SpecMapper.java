package dev.forgeline.planner.mapping;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.DependencySummary;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.planner.domain.Decision;
import dev.forgeline.planner.domain.Spec;
import dev.forgeline.planner.domain.Task;
import dev.forgeline.planner.dto.FileOrder;
import dev.forgeline.planner.dto.GroupView;
import dev.forgeline.planner.dto.SpecSummary;
import dev.forgeline.planner.dto.SpecView;
import dev.forgeline.planner.dto.TaskView;
import dev.forgeline.planner.dto.WaitingReason;
import dev.forgeline.planner.quality.QualityReport;
import dev.forgeline.planner.service.TaskRelease;
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
        task.requires = new LinkedHashMap<>(parsed.requires());
        task.agentProfile = parsed.agentProfile();
        task.line = parsed.line();
        task.inputs = new ArrayList<>(parsed.inputs());
        task.outputs = new ArrayList<>(parsed.outputs());
        task.constraints = new ArrayList<>(parsed.constraints());
        task.files = new ArrayList<>(parsed.files());
        task.fileReasons = new LinkedHashMap<>(parsed.fileReasons());
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
                String.join(",", t.files()),
                t.requires().toString());
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
                summaries,
                task.requires == null ? Map.of() : task.requires,
                spec.project,
                task.writtenBy != null ? task.writtenBy : spec.submittedBy);
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

    /** A spec and its tasks, each waiting task with its reason; {@code openDecisions}: task id to decision. */
    public SpecView toView(Spec spec, List<Task> tasks, Map<String, Decision> openDecisions) {
        Map<TaskState, Long> counts = new EnumMap<>(TaskState.class);
        tasks.forEach(task -> counts.merge(task.state, 1L, Long::sum));
        Map<String, Task> byId = new HashMap<>();
        tasks.forEach(t -> byId.put(t.taskId, t));
        Map<String, WaitingReason> waiting = waitingReasons(tasks, byId, openDecisions);
        List<TaskView> views = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            Task task = tasks.get(i);
            views.add(new TaskView(
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
                    task.parentTaskId,
                    orEmpty(task.labels),
                    orEmpty(task.requires),
                    orEmpty(task.fileReasons),
                    fileOrder(task, tasks.subList(0, i)),
                    waiting.get(task.taskId)));
        }
        return new SpecView(
                spec.id,
                spec.name,
                spec.repository,
                spec.baseBranch,
                spec.createdAt,
                byName(counts),
                views,
                spec.revision,
                spec.format,
                groups(tasks),
                spec.project,
                spec.submittedBy);
    }

    private static Map<String, String> orEmpty(Map<String, String> map) {
        return map == null ? Map.of() : Map.copyOf(map);
    }

    /** Earlier tasks writing one of the task's files: the implicit ordering, with why each counts as writing. */
    private static List<FileOrder> fileOrder(Task task, List<Task> earlier) {
        List<FileOrder> order = new ArrayList<>();
        for (Task other : earlier) {
            for (String file : task.files) {
                if (other.files.contains(file)) {
                    order.add(new FileOrder(
                            other.taskId,
                            file,
                            other.taskId + " " + why(other, file) + "; " + task.taskId + " " + why(task, file)));
                }
            }
        }
        return order;
    }

    private static String why(Task task, String file) {
        return task.fileReasons == null ? "named" : task.fileReasons.getOrDefault(file, "named");
    }

    /**
     * Why each PLANNED or NEEDS_DECISION task waits, by the rules {@link dev.forgeline.planner.service.TaskRelease}
     * releases with: unmerged dependencies first (a dependency held by a decision names it), then written files
     * held by a task in flight or claimed by an earlier task that may run.
     */
    static Map<String, WaitingReason> waitingReasons(
            List<Task> tasks, Map<String, Task> byId, Map<String, Decision> openDecisions) {
        Map<String, WaitingReason> reasons = new HashMap<>();
        Map<String, String> holder = new HashMap<>(); // file -> the task holding or claiming it
        tasks.stream()
                .filter(t -> TaskRelease.IN_FLIGHT.contains(t.state))
                .forEach(t -> t.files.forEach(f -> holder.putIfAbsent(f, t.taskId)));
        for (Task task : tasks) {
            if (task.state == TaskState.NEEDS_DECISION) {
                Decision decision = openDecisions.get(task.taskId);
                reasons.put(
                        task.taskId,
                        new WaitingReason(
                                WaitingReason.WAITING_FOR_DECISION,
                                List.of(task.taskId),
                                List.of(),
                                decision == null ? null : decision.id,
                                decision == null ? null : decision.kind.name()));
                continue;
            }
            if (task.state != TaskState.PLANNED) {
                continue;
            }
            List<String> unmerged = task.dependsOn.stream()
                    .filter(d -> byId.get(d) == null || byId.get(d).state != TaskState.MERGED)
                    .toList();
            if (!unmerged.isEmpty()) {
                Decision held = unmerged.stream()
                        .map(openDecisions::get)
                        .filter(java.util.Objects::nonNull)
                        .findFirst()
                        .orElse(null);
                reasons.put(
                        task.taskId,
                        held != null
                                ? new WaitingReason(
                                        WaitingReason.WAITING_FOR_DECISION,
                                        List.of(held.taskId),
                                        List.of(),
                                        held.id,
                                        held.kind.name())
                                : new WaitingReason(
                                        WaitingReason.WAITING_FOR_DEPENDENCY, unmerged, List.of(), null, null));
                continue;
            }
            List<String> busy = task.files.stream().filter(holder::containsKey).toList();
            if (!busy.isEmpty()) {
                reasons.put(
                        task.taskId,
                        new WaitingReason(
                                WaitingReason.WAITING_FOR_FILE,
                                busy.stream().map(holder::get).distinct().toList(),
                                busy,
                                null,
                                null));
            } else {
                reasons.put(task.taskId, new WaitingReason(WaitingReason.RELEASING, List.of(), List.of(), null, null));
            }
            task.files.forEach(f -> holder.putIfAbsent(f, task.taskId)); // it claims them first, as in release
        }
        return reasons;
    }

    /** Kiro parent items, from their children's {@code parent} labels. */
    private static List<GroupView> groups(List<Task> tasks) {
        Map<String, List<Task>> children = new LinkedHashMap<>();
        Map<String, String> titles = new HashMap<>();
        for (Task task : tasks) {
            String parent = task.labels == null ? null : task.labels.get("parent");
            if (parent != null) {
                children.computeIfAbsent(parent, p -> new ArrayList<>()).add(task);
                titles.putIfAbsent(parent, task.labels.getOrDefault("parentTitle", parent));
            }
        }
        List<GroupView> groups = new ArrayList<>();
        children.forEach((id, members) -> {
            String state;
            if (members.stream().allMatch(t -> t.state == TaskState.MERGED || t.state == TaskState.CANCELLED)) {
                state = "DONE";
            } else if (members.stream()
                    .allMatch(t -> t.state == TaskState.PLANNED || t.state == TaskState.NEEDS_DECISION)) {
                state = "PLANNED";
            } else {
                state = "IN_PROGRESS";
            }
            groups.add(new GroupView(
                    id, titles.get(id), members.stream().map(t -> t.taskId).toList(), state));
        });
        return groups;
    }

    public SpecSummary toSummary(Spec spec, Map<TaskState, Long> counts) {
        return new SpecSummary(spec.id, spec.name, spec.createdAt, byName(counts), spec.revision, spec.project);
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
