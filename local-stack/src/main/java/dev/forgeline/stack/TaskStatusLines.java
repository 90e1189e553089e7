package dev.forgeline.stack;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeline.contracts.WaitingReasons;

/**
 * The task lines of {@code ./forgeline status}: each task with its state and, for a task that waits, why. The
 * planner says why a PLANNED or NEEDS_DECISION task waits ({@code waiting}); the dispatcher says why a READY task
 * is not leased ({@code waiting} of its task view).
 */
public final class TaskStatusLines {
    private TaskStatusLines() {}

    /**
     * @param spec            {@code GET /specs/{id}} of the planner
     * @param dispatcherTasks {@code GET /tasks?specId=} of the dispatcher, or null when it cannot be reached
     */
    public static List<String> lines(JsonNode spec, JsonNode dispatcherTasks) {
        Map<String, JsonNode> dispatched = new HashMap<>();
        if (dispatcherTasks != null) {
            dispatcherTasks.forEach(t -> dispatched.put(t.path("taskId").asText(), t));
        }
        List<String> lines = new ArrayList<>();
        for (JsonNode task : spec.path("tasks")) {
            String id = task.path("taskId").asText();
            String state = task.path("state").asText();
            lines.add(String.format(
                    "  %-16s %-14s %s", id, state, task.path("title").asText()));
            String why = WaitingReasons.of(task, state, dispatched.get(id), dispatcherTasks != null);
            if (why != null) {
                lines.add(String.format("  %-16s %-14s waits: %s", "", "", why));
            }
        }
        return lines;
    }

    /**
     * Why one task waits, or null when it does not.
     *
     * @param task       the planner's view of the task (one of {@code GET /specs/{id}}'s tasks)
     * @param dispatched the dispatcher's view ({@code GET /tasks/{specId}/{taskId}}), or null when it has none
     * @param dispatcherReached false when the dispatcher could not be asked
     */
    public static String waits(JsonNode task, JsonNode dispatched, boolean dispatcherReached) {
        return WaitingReasons.of(task, task.path("state").asText(), dispatched, dispatcherReached);
    }
}
