package dev.forgeline.worker.adapter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.forgeline.worker.adapter.usage.AiderUsageParser;
import dev.forgeline.worker.adapter.usage.UsageParser;
import dev.forgeline.worker.config.WorkerConfig;

/**
 * Aider: {@code aider --message-file <prompt> --yes-always --no-auto-commits --no-dirty-commits --no-pretty
 * --no-stream --no-check-update [--model M]}; the prompt file lies outside the worktree. The worker commits, so
 * aider must not. Tokens and cost from its {@code Tokens: ... sent, ... received. Cost: ...} lines.
 */
@Singleton
public class AiderAgent extends CliAgent {
    public static final String ID = "aider";

    @Inject
    public AiderAgent(WorkerConfig config) {
        this(config.outputTailLines());
    }

    public AiderAgent(int outputTailLines) {
        super(outputTailLines);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    protected String defaultExecutable() {
        return "aider";
    }

    @Override
    protected String defaultProvider() {
        return "anthropic";
    }

    @Override
    public String defaultApiKeyEnv() {
        return "ANTHROPIC_API_KEY";
    }

    @Override
    protected List<String> arguments(AgentProfile profile, String prompt, Path promptFile) {
        List<String> args = new ArrayList<>(List.of(
                "--message-file",
                promptFile.toString(),
                "--yes-always",
                "--no-auto-commits",
                "--no-dirty-commits",
                "--no-pretty",
                "--no-stream",
                "--no-check-update"));
        args.addAll(modelArgs(profile, "--model"));
        args.addAll(profile.args());
        return args;
    }

    @Override
    protected UsageParser newParser() {
        return new AiderUsageParser();
    }
}
