package dev.forgeline.worker.adapter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.forgeline.worker.adapter.usage.CodexUsageParser;
import dev.forgeline.worker.adapter.usage.UsageParser;
import dev.forgeline.worker.config.WorkerConfig;

/**
 * OpenAI Codex CLI: {@code codex exec --json --full-auto [-m M] -}, the prompt on stdin ({@code -}). Token usage
 * from {@code turn.completed} events; cost from the price table.
 */
@Singleton
public class CodexAgent extends CliAgent {
    public static final String ID = "codex";

    @Inject
    public CodexAgent(WorkerConfig config) {
        this(config.outputTailLines());
    }

    public CodexAgent(int outputTailLines) {
        super(outputTailLines);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    protected String defaultExecutable() {
        return "codex";
    }

    @Override
    protected String defaultProvider() {
        return "openai";
    }

    @Override
    public String defaultApiKeyEnv() {
        return "OPENAI_API_KEY";
    }

    @Override
    protected List<String> arguments(AgentProfile profile, String prompt, Path promptFile) {
        List<String> args = new ArrayList<>(List.of("exec", "--json", "--full-auto"));
        args.addAll(modelArgs(profile, "-m"));
        args.addAll(profile.args());
        args.add("-");
        return args;
    }

    @Override
    protected String stdin(String prompt) {
        return prompt;
    }

    @Override
    protected UsageParser newParser() {
        return new CodexUsageParser();
    }
}
