package dev.forgeline.worker.adapter;

import java.nio.file.Path;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.support.process.ProcessLedger;
import dev.forgeline.support.process.Sandbox;

/**
 * One agent run.
 *
 * @param worktree the attempt's git worktree: the agent's working directory and the only place it should change
 * @param prompt   what the agent is asked to do
 * @param deadline the agent is stopped when it is reached
 * @param onOutput receives the agent's output lines as they come (secrets masked), for heartbeats
 * @param profile  the agent profile of the attempt (adapter, model, prices, key)
 * @param onTokens receives the tokens counted so far while the agent runs, for heartbeats
 * @param stop     answers true when the agent must be killed now (lease revoked, worker lost contact)
 * @param ledger   where the agent's processes are written down (the attempt's record), so a later run of the worker
 *                 can kill them should this one die
 * @param sandbox  how the agent is confined (null: unconfined); see {@code forgeline.worker.sandbox.*}
 */
public record AgentInvocation(
        Path worktree,
        String prompt,
        TaskReady task,
        Instant deadline,
        Consumer<String> onOutput,
        AgentProfile profile,
        LongConsumer onTokens,
        BooleanSupplier stop,
        ProcessLedger ledger,
        Sandbox sandbox) {

    public AgentInvocation {
        ledger = ledger == null ? ProcessLedger.NONE : ledger;
        onOutput = onOutput == null ? line -> {} : onOutput;
        onTokens = onTokens == null ? tokens -> {} : onTokens;
        stop = stop == null ? () -> false : stop;
    }

    public AgentInvocation(
            Path worktree,
            String prompt,
            TaskReady task,
            Instant deadline,
            Consumer<String> onOutput,
            AgentProfile profile,
            LongConsumer onTokens,
            BooleanSupplier stop,
            ProcessLedger ledger) {
        this(worktree, prompt, task, deadline, onOutput, profile, onTokens, stop, ledger, null);
    }

    public AgentInvocation(
            Path worktree,
            String prompt,
            TaskReady task,
            Instant deadline,
            Consumer<String> onOutput,
            AgentProfile profile,
            LongConsumer onTokens) {
        this(worktree, prompt, task, deadline, onOutput, profile, onTokens, null, null, null);
    }

    public AgentInvocation(Path worktree, String prompt, TaskReady task, Instant deadline, Consumer<String> onOutput) {
        this(worktree, prompt, task, deadline, onOutput, null, null, null, null, null);
    }

    public AgentInvocation(Path worktree, String prompt, TaskReady task, Instant deadline) {
        this(worktree, prompt, task, deadline, null, null, null, null, null, null);
    }

    /** The agent's sandbox with these paths readable besides the worktree (null when unconfined). */
    public Sandbox sandboxReading(Path... paths) {
        if (sandbox == null) {
            return null;
        }
        java.util.List<Path> readable = new java.util.ArrayList<>(sandbox.readable());
        readable.addAll(java.util.List.of(paths));
        return sandbox.withReadable(readable);
    }

    /** The attempt's profile, or the adapter's defaults when none was resolved. */
    public AgentProfile profileOr(String adapterId) {
        return profile != null ? profile : AgentProfile.ofAdapter(agentProfile(adapterId));
    }

    /** The agent profile name of the attempt, or the adapter id when it asked for none. */
    public String agentProfile(String adapterId) {
        if (profile != null) {
            return profile.name();
        }
        return task.agentProfile() == null || task.agentProfile().isBlank() ? adapterId : task.agentProfile();
    }
}
