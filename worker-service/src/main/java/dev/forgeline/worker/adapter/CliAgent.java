package dev.forgeline.worker.adapter;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.support.process.ProcessRequest;
import dev.forgeline.support.process.ProcessResult;
import dev.forgeline.support.process.ProcessRunner;
import dev.forgeline.worker.adapter.usage.ParsedUsage;
import dev.forgeline.worker.adapter.usage.UsageParser;

/**
 * A coding-agent CLI run non-interactively in the worktree: the command line of the adapter, the prompt on stdin,
 * as an argument or in a file, the provider key of the profile in the process environment only, the output
 * parsed (unmasked, in memory) for tokens and cost, and the whole process tree killed at the deadline. When the
 * agent reports tokens but no cost, the profile's price supplies it ({@code costEstimated=true}); with no price known
 * the cost is unknown (null, {@code costEstimated=true}).
 */
public abstract class CliAgent implements AgentAdapter {
    private final int outputTailLines;

    protected CliAgent(int outputTailLines) {
        this.outputTailLines = outputTailLines;
    }

    /** The executable when the profile names none. */
    protected abstract String defaultExecutable();

    /** The provider billing the tokens when the profile names none. */
    protected abstract String defaultProvider();

    /** The environment variable the provider key goes in when the profile names none. */
    public abstract String defaultApiKeyEnv();

    /**
     * The arguments after the executable, including the profile's extra {@code args} before any positional
     * argument; {@code promptFile} holds the prompt (outside the worktree).
     */
    protected abstract List<String> arguments(AgentProfile profile, String prompt, Path promptFile);

    /** What is written to the agent's stdin (null: nothing). */
    protected String stdin(String prompt) {
        return null;
    }

    protected abstract UsageParser newParser();

    @Override
    public AgentRun run(AgentInvocation invocation) throws InterruptedException {
        AgentProfile profile = invocation.profileOr(id());
        UsageParser parser = newParser();
        String executable = profile.executable() == null || profile.executable().isBlank()
                ? defaultExecutable()
                : profile.executable();
        Path promptFile = null;
        try {
            promptFile = Files.createTempFile("forgeline-prompt-", ".md");
            Files.writeString(promptFile, invocation.prompt(), StandardCharsets.UTF_8);
            List<String> command = new ArrayList<>();
            command.add(executable);
            command.addAll(arguments(profile, invocation.prompt(), promptFile));
            ProcessResult result = ProcessRunner.run(new ProcessRequest(
                            command,
                            invocation.worktree(),
                            stdin(invocation.prompt()),
                            invocation.deadline(),
                            outputTailLines,
                            invocation.onOutput(),
                            line -> {
                                parser.accept(line);
                                invocation.onTokens().accept(parser.tokensSoFar());
                            },
                            profile.environment(),
                            invocation.stop(),
                            invocation.ledger())
                    // the prompt file lies in the worker's temporary directory, hidden by the sandbox's own /tmp
                    .withSandbox(invocation.sandboxReading(promptFile)));
            ParsedUsage parsed = parser.finish();
            String tail = result.outputTail();
            int exitCode = result.exitCode();
            if (parsed.error() != null && exitCode == 0) {
                // an agent that reports an error but exits 0 has not done the work
                exitCode = 1;
            }
            return new AgentRun(exitCode, tail, usage(profile, parsed), result.durationMillis(), result.timedOut());
        } catch (IOException e) {
            return new AgentRun(
                    -1,
                    id() + " could not start (" + executable + "): " + e.getMessage(),
                    AgentUsage.none(profile.name(), id()),
                    0,
                    false);
        } finally {
            if (promptFile != null) {
                try {
                    Files.deleteIfExists(promptFile);
                } catch (IOException e) {
                    // a temporary file; the prompt holds no secret
                }
            }
        }
    }

    /** Usage as the agent reported it, priced from the profile when it reported no cost. */
    AgentUsage usage(AgentProfile profile, ParsedUsage parsed) {
        String model = parsed.model() != null ? parsed.model() : profile.model();
        String provider = profile.provider() != null ? profile.provider() : defaultProvider();
        BigDecimal cost = parsed.costUsd();
        boolean estimated = false;
        if (cost == null) {
            if (profile.price() != null) {
                cost = profile.price().cost(parsed.inputTokens(), parsed.outputTokens(), parsed.cachedTokens());
                estimated = true;
            } else if (parsed.inputTokens() + parsed.outputTokens() + parsed.cachedTokens() > 0) {
                // tokens were spent at a price nobody knows: unknown, never a made-up $0
                cost = null;
                estimated = true;
            } else {
                cost = BigDecimal.ZERO;
            }
        }
        return new AgentUsage(
                profile.name(),
                id(),
                model,
                parsed.inputTokens(),
                parsed.outputTokens(),
                parsed.cachedTokens(),
                cost,
                provider,
                estimated);
    }

    protected static List<String> modelArgs(AgentProfile profile, String flag) {
        return profile.modelOrEmpty().map(m -> List.of(flag, m)).orElse(List.of());
    }
}
