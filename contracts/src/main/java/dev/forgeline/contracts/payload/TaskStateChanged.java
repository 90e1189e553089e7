package dev.forgeline.contracts.payload;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;

/**
 * An execution state change owned by the dispatcher (LEASED, RUNNING, SUCCEEDED, FAILED, READY again on retry).
 *
 * @param failureClass set when the state is FAILED
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
        String reason) {
}
