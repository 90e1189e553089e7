package dev.forgeline.contracts.payload;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;

/**
 * An execution state change owned by the dispatcher (LEASED, RUNNING, SUCCEEDED, FAILED, READY again on retry).
 *
 * @param failureClass set when the state is FAILED (or CANCELLED)
 * @param permanent    FAILED with no retry left or none allowed for the class: the planner takes over (split,
 *                     decision) and dependents stay blocked
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TaskStateChanged(
        String specId,
        String taskId,
        TaskState state,
        int attempt,
        String nodeName,
        long fencingToken,
        FailureClass failureClass,
        String reason,
        boolean permanent) {

    @JsonCreator
    public TaskStateChanged {}

    /** A change that is not a permanent failure. */
    public TaskStateChanged(
            String specId,
            String taskId,
            TaskState state,
            int attempt,
            String nodeName,
            long fencingToken,
            FailureClass failureClass,
            String reason) {
        this(specId, taskId, state, attempt, nodeName, fencingToken, failureClass, reason, false);
    }
}
