package dev.forgeline.worker.model;

import java.util.List;

/**
 * What {@code GET /worker} answers.
 *
 * @param registered whether the dispatcher has accepted this node's registration
 */
public record WorkerStatus(
        String nodeName, int capacity, String agent, boolean registered, List<RunningAttempt> running) {

    /** One attempt in progress. */
    public record RunningAttempt(String specId, String taskId, int attempt, String phase, long elapsedMillis) {}
}
