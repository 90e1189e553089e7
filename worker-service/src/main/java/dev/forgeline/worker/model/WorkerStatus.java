package dev.forgeline.worker.model;

import java.util.List;

/**
 * What {@code GET /worker} answers.
 *
 * @param registered whether the dispatcher has accepted this node's registration
 * @param sandbox    how agents and tests are confined on this node
 */
public record WorkerStatus(
        String nodeName,
        int capacity,
        String agent,
        boolean registered,
        List<RunningAttempt> running,
        SandboxStatus sandbox) {

    /**
     * The sandbox of agents and tests.
     *
     * @param mode      auto, required or off ({@code forgeline.worker.sandbox.mode})
     * @param sandboxed whether they run under bubblewrap
     * @param refused   whether attempts fail because bubblewrap is required and missing
     * @param detail    what that means, in one sentence
     */
    public record SandboxStatus(String mode, boolean sandboxed, boolean refused, String detail) {}

    /** One attempt in progress. */
    public record RunningAttempt(String specId, String taskId, int attempt, String phase, long elapsedMillis) {}
}
