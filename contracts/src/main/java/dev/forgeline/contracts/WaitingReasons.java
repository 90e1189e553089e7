package dev.forgeline.contracts;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Why a task waits, in words, from the planner's and the dispatcher's JSON: the planner says why a PLANNED or
 * NEEDS_DECISION task waits ({@code waiting}: code, tasks, files, decision, kind); the dispatcher says why a READY
 * task is not leased (its task view's {@code waiting}: code and message each, or {@code waitingReason}). One
 * wording for every client of the REST APIs: the command line's status and the live board.
 */
public final class WaitingReasons {
    private WaitingReasons() {}

    /**
     * @param plannerTask       the task of {@code GET /specs/{id}}
     * @param state             the task's state at the planner
     * @param dispatcherTask    the task of {@code GET /tasks?specId=}, null when the dispatcher does not have it
     * @param dispatcherReached whether the dispatcher answered
     */
    public static String of(JsonNode plannerTask, String state, JsonNode dispatcherTask, boolean dispatcherReached) {
        JsonNode waiting = plannerTask.path("waiting");
        if (waiting.isObject() && waiting.has("code")) {
            StringBuilder why = new StringBuilder(waiting.path("code").asText());
            append(why, " on ", waiting.path("tasks"));
            append(why, ", files ", waiting.path("files"));
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
        if (dispatcherTask == null) {
            return dispatcherReached ? "announced, not yet queued by the dispatcher" : "dispatcher not reachable";
        }
        List<String> reasons = new ArrayList<>();
        dispatcherTask
                .path("waiting")
                .forEach(w -> reasons.add(
                        w.path("code").asText() + ": " + w.path("message").asText()));
        if (reasons.isEmpty() && dispatcherTask.hasNonNull("waitingReason")) {
            reasons.add(dispatcherTask.path("waitingReason").asText());
        }
        return reasons.isEmpty() ? null : String.join("; ", reasons);
    }

    private static void append(StringBuilder why, String prefix, JsonNode list) {
        if (list.isArray() && !list.isEmpty()) {
            List<String> items = new ArrayList<>();
            list.forEach(i -> items.add(i.asText()));
            why.append(prefix).append(String.join(", ", items));
        }
    }
}
