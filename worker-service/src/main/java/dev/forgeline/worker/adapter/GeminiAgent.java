package dev.forgeline.worker.adapter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.forgeline.worker.adapter.usage.GeminiUsageParser;
import dev.forgeline.worker.adapter.usage.UsageParser;
import dev.forgeline.worker.config.WorkerConfig;

/**
 * Gemini CLI: {@code gemini --output-format json --yolo [-m M] -p <prompt>}. Tokens from
 * {@code stats.models.*.tokens} of its JSON answer; cost from the price table.
 */
@Singleton
public class GeminiAgent extends CliAgent {
    public static final String ID = "gemini";

    @Inject
    public GeminiAgent(WorkerConfig config) {
        this(config.outputTailLines());
    }

    public GeminiAgent(int outputTailLines) {
        super(outputTailLines);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    protected String defaultExecutable() {
        return "gemini";
    }

    @Override
    protected String defaultProvider() {
        return "google";
    }

    @Override
    public String defaultApiKeyEnv() {
        return "GEMINI_API_KEY";
    }

    @Override
    protected List<String> arguments(AgentProfile profile, String prompt, Path promptFile) {
        List<String> args = new ArrayList<>(List.of("--output-format", "json", "--yolo"));
        args.addAll(modelArgs(profile, "-m"));
        args.addAll(profile.args());
        args.add("-p");
        args.add(prompt);
        return args;
    }

    @Override
    protected UsageParser newParser() {
        return new GeminiUsageParser();
    }
}
