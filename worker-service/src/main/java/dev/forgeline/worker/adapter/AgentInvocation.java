package dev.forgeline.worker.adapter;

import dev.forgeline.contracts.payload.TaskReady;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * One agent run.
 *
 * @param worktree the attempt's git worktree: the agent's working directory and the only place it should change
 * @param prompt   what the agent is asked to do
 * @param deadline the agent is stopped when it is reached
 * @param onOutput receives the agent's output lines as they come (secrets masked), for heartbeats
 */
public record AgentInvocation(Path worktree, String prompt, TaskReady task, Instant deadline,
        Consumer<String> onOutput) {

    public AgentInvocation {
        onOutput = onOutput == null ? line -> { } : onOutput;
    }

    public AgentInvocation(Path worktree, String prompt, TaskReady task, Instant deadline) {
        this(worktree, prompt, task, deadline, null);
    }

    /** The agent profile the task asked for, or the adapter id when it asked for none. */
    public String agentProfile(String adapterId) {
        return task.agentProfile() == null || task.agentProfile().isBlank() ? adapterId : task.agentProfile();
    }
}
