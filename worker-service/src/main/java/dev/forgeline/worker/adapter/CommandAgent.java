package dev.forgeline.worker.adapter;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.support.process.ChildEnvironment;
import dev.forgeline.support.process.ProcessRequest;
import dev.forgeline.support.process.ProcessResult;
import dev.forgeline.support.process.ProcessRunner;
import dev.forgeline.worker.config.WorkerConfig;

/**
 * Runs any command-line agent: {@code sh -c <forgeline.worker.agent-command>} in the worktree, with the prompt on
 * its standard input. Its output is kept as a bounded tail; at the deadline the command and every process it
 * started are killed. The command's environment lacks every variable whose name contains KEY, TOKEN, SECRET or
 * PASSWORD (see {@link ChildEnvironment}): agents must read credentials from their own configuration files.
 */
@ApplicationScoped
public class CommandAgent implements AgentAdapter {
    public static final String ID = "command";
    private final String commandLine;
    private final int outputTailLines;

    @Inject
    public CommandAgent(WorkerConfig config) {
        this(config.agentCommand().orElse(null), config.outputTailLines());
    }

    public CommandAgent(String commandLine, int outputTailLines) {
        this.commandLine = commandLine;
        this.outputTailLines = outputTailLines;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public AgentRun run(AgentInvocation invocation) throws InterruptedException {
        AgentUsage usage = AgentUsage.none(invocation.agentProfile(ID), ID);
        AgentProfile profile = invocation.profile();
        String commandLine = profile != null
                        && profile.executable() != null
                        && !profile.executable().isBlank()
                ? profile.executable()
                : this.commandLine;
        if (commandLine == null || commandLine.isBlank()) {
            return new AgentRun(-1, "forgeline.worker.agent-command is not set", usage, 0, false);
        }
        try {
            ProcessResult result = ProcessRunner.run(new ProcessRequest(
                            List.of("sh", "-c", commandLine),
                            invocation.worktree(),
                            invocation.prompt(),
                            invocation.deadline(),
                            outputTailLines,
                            invocation.onOutput(),
                            null,
                            profile == null ? Map.of() : profile.environment(),
                            invocation.stop(),
                            invocation.ledger())
                    .withSandbox(invocation.sandbox()));
            return new AgentRun(
                    result.exitCode(), result.outputTail(), usage, result.durationMillis(), result.timedOut());
        } catch (IOException e) {
            return new AgentRun(-1, "agent command could not start: " + e.getMessage(), usage, 0, false);
        }
    }
}
