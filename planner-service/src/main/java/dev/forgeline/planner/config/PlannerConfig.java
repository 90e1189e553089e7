package dev.forgeline.planner.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Planner settings ({@code forgeline.planner.*}). */
@ConfigMapping(prefix = "forgeline.planner")
public interface PlannerConfig {

    /** Base branch of a spec that names none (neither a {@code Base-branch:} line nor the query parameter). */
    @WithDefault("main")
    String defaultBaseBranch();

    /** Project of a spec that names none (neither a {@code Project:} line nor the {@code project} parameter). */
    @WithDefault("default")
    String defaultProject();

    /** Estimate of a task without an {@code Estimate:} field. */
    @WithDefault("15m")
    Duration defaultEstimate();

    /**
     * Whether a spec may name a repository on this machine (a path or a {@code file://} URL): on for the
     * one-machine stack, off where the planner serves others (a request must not probe its filesystem).
     */
    @WithDefault("true")
    boolean allowLocalPaths();

    /** Larger specs are refused with 413. */
    @WithDefault("1048576")
    long maxSpecBytes();

    /**
     * Test command of tasks in formats that name none (spec-kit, Kiro) when the request gives no
     * {@code testCommand}; without either such a spec is refused.
     */
    Optional<String> defaultTestCommand();

    /** What one submitted spec may hold; each value over a limit is a fault of the spec (400). */
    Limits limits();

    /** Limits on proposed (follow-up, fix, split) tasks per spec. */
    Proposals proposals();

    /** The LLM planner for free-form specs and splits; off unless a provider is configured. */
    Llm llm();

    interface Limits {
        /** Open tasks in one spec. */
        @WithDefault("1000")
        int maxTasks();

        /** {@code key=value} labels of one task. */
        @WithDefault("32")
        int maxLabelsPerTask();

        /** Characters of a task title. */
        @WithDefault("500")
        int maxTitleLength();

        /**
         * Characters of any other text field of a task: its description, the test command, each acceptance
         * item, constraint, input, output, file and label value.
         */
        @WithDefault("65536")
        int maxTextLength();

        /** A task's estimate; larger work is to be split. */
        @WithDefault("7d")
        Duration maxEstimate();
    }

    interface Proposals {
        /** A spec never has more tasks than this; further proposals are refused. */
        @WithDefault("50")
        int maxTasksPerSpec();

        /** A proposal of a proposal of ... is refused beyond this depth. */
        @WithDefault("3")
        int maxDepth();

        /** Sum of the estimates of a spec's proposed tasks, at most. */
        @WithDefault("8h")
        Duration maxProposedEstimate();

        /**
         * Whether an agent's follow-up that sets its own test command, agent profile, labels or requirements waits
         * for a person's approval (a PROPOSAL_APPROVAL decision). Switch off only where the agents are trusted.
         */
        @WithDefault("true")
        boolean requireApproval();
    }

    interface Llm {
        /** {@code openai} (chat completions, any compatible server) or {@code anthropic} (Messages); none: off. */
        Optional<String> provider();

        /** Base URL, e.g. {@code https://api.openai.com/v1} or {@code https://api.anthropic.com}. */
        Optional<String> baseUrl();

        Optional<String> model();

        /** The API key; prefer the environment ({@code FORGELINE_PLANNER_LLM_API_KEY}). Never logged. */
        Optional<String> apiKey();

        @WithDefault("60s")
        Duration timeout();

        /** Further attempts after a failed or invalid answer. */
        @WithDefault("2")
        int retries();

        /** USD per million input tokens, for the recorded cost. */
        @WithDefault("0")
        BigDecimal inputPricePerMillion();

        /** USD per million output tokens. */
        @WithDefault("0")
        BigDecimal outputPricePerMillion();

        @WithDefault("4096")
        int maxTokens();
    }
}
