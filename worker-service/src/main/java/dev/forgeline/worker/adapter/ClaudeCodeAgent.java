package dev.forgeline.worker.adapter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.forgeline.worker.adapter.usage.ClaudeCodeUsageParser;
import dev.forgeline.worker.adapter.usage.UsageParser;
import dev.forgeline.worker.config.WorkerConfig;

/**
 * Claude Code: {@code claude -p --output-format stream-json --verbose --permission-mode acceptEdits [--model M]},
 * the prompt on stdin. Tokens once per API message id, cost from {@code total_cost_usd}.
 */
@Singleton
public class ClaudeCodeAgent extends CliAgent {
    public static final String ID = "claude-code";

    @Inject
    public ClaudeCodeAgent(WorkerConfig config) {
        this(config.outputTailLines());
    }

    public ClaudeCodeAgent(int outputTailLines) {
        super(outputTailLines);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    protected String defaultExecutable() {
        return "claude";
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
        List<String> args = new ArrayList<>(
                List.of("-p", "--output-format", "stream-json", "--verbose", "--permission-mode", "acceptEdits"));
        args.addAll(modelArgs(profile, "--model"));
        args.addAll(profile.args());
        return args;
    }

    @Override
    protected String stdin(String prompt) {
        return prompt;
    }

    @Override
    protected UsageParser newParser() {
        return new ClaudeCodeUsageParser();
    }
}
