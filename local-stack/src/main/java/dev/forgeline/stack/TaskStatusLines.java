package dev.forgeline.stack;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

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
            String why = why(task, state, dispatched.get(id), dispatcherTasks != null);
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
        return why(task, task.path("state").asText(), dispatched, dispatcherReached);
    }

    private static String why(JsonNode task, String state, JsonNode dispatched, boolean dispatcherReached) {
        JsonNode waiting = task.path("waiting");
        if (!waiting.isMissingNode() && !waiting.isNull() && waiting.has("code")) {
            StringBuilder why = new StringBuilder(waiting.path("code").asText());
            appendList(why, " on ", waiting.path("tasks"));
            appendList(why, ", files ", waiting.path("files"));
            if (waiting.hasNonNull("decision")) {
                why.append(", decision ").append(waiting.path("decision").asText());
                if (waiting.hasNonNull("kind")) {
                    why.append(" (").append(waiting.path("kind").asText()).append(')');
                }
            }
            return why.toString();
        }
        if (!state.equals("READY")) {
            return null;
        }
        if (dispatched == null) {
            return dispatcherReached ? "announced, not yet queued by the dispatcher" : "dispatcher not reachable";
        }
        List<String> reasons = new ArrayList<>();
        dispatched
                .path("waiting")
                .forEach(w -> reasons.add(
                        w.path("code").asText() + ": " + w.path("message").asText()));
        if (reasons.isEmpty() && dispatched.hasNonNull("waitingReason")) {
            reasons.add(dispatched.path("waitingReason").asText());
        }
        return reasons.isEmpty() ? null : String.join("; ", reasons);
    }

    private static void appendList(StringBuilder why, String prefix, JsonNode list) {
        if (list.isArray() && !list.isEmpty()) {
            List<String> items = new ArrayList<>();
            list.forEach(i -> items.add(i.asText()));
            why.append(prefix).append(String.join(", ", items));
        }
    }
}
