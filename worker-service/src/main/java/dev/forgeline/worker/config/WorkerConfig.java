package dev.forgeline.worker.config;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.forgeline.support.process.Sandbox;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How this worker node runs attempts. */
@ConfigMapping(prefix = "forgeline.worker")
public interface WorkerConfig {

    /**
     * The node's name: the dispatcher leases to it by this name. Defaults to the host name plus
     * {@code -worker} (supplied by {@link DefaultNodeNameConfigSource}).
     */
    String nodeName();

    /** Attempts run at the same time. */
    @WithDefault("2")
    int capacity();

    /** Base URL of the dispatcher's REST API (node registration, the node's lease feed). */
    @WithDefault("http://localhost:8082")
    String dispatcherUrl();

    /**
     * Seconds the dispatcher may hold a poll of this node's lease feed open when there is nothing to read (a long
     * poll: a lease arrives as soon as it is granted). At most 60.
     */
    @WithDefault("25")
    int leasePollWaitSeconds();

    /**
     * The worker's Forgeline API token (role {@code worker}, named after this node), sent to the dispatcher's REST
     * API; from {@code FORGELINE_WORKER_TOKEN}. Never logged.
     */
    Optional<String> token();

    /** Directory holding the attempts' git worktrees. */
    @WithDefault("${user.home}/.forgeline/worker")
    String workspace();

    /**
     * Ref namespace attempt branches are pushed to on the repository's remote: {@code refs/heads/forgeline/} (the
     * default) makes them branches {@code forgeline/<spec>/<task>/a<n>}; {@code refs/forgeline/} keeps them out of
     * the branch list. Credentials per host are {@code forgeline.git.hosts."<host>".*}.
     */
    @WithDefault("refs/heads/forgeline/")
    String pushRefPrefix();

    /** The default agent adapter: {@code simulated} or {@code command}. */
    @WithDefault("simulated")
    String agent();

    /** Command line of the {@code command} adapter, run with {@code sh -c} in the worktree; the prompt is its stdin. */
    Optional<String> agentCommand();

    /** Labels the node offers (for example {@code os=linux}), sent with the registration. */
    Map<String, String> labels();

    /** Lines of agent and test output kept for results. */
    @WithDefault("40")
    int outputTailLines();

    /**
     * Seconds between node heartbeats (sent also when idle). A worker whose heartbeats the broker has not
     * acknowledged for 3 intervals of a lease kills that lease's agent (self-stop).
     */
    @WithDefault("5")
    int heartbeatIntervalSeconds();

    /** Failed attempts' worktrees kept for debugging at most (0: none kept). */
    @WithDefault("10")
    int keepFailedWorktrees();

    /** Hours a failed attempt's worktree is kept. */
    @WithDefault("24")
    int keepFailedHours();

    /** Megabytes all kept failed worktrees may take together; the oldest go first. */
    @WithDefault("2048")
    long keepFailedMaxMb();

    /**
     * On start-up, processes left running by an attempt of a previous run (the worker died) get SIGTERM, then
     * SIGKILL after this many seconds.
     */
    @WithDefault("5")
    int leftoverKillGraceSeconds();

    /** How long start-up waits at most for those processes to be gone before it reports the attempt anyway. */
    @WithDefault("30")
    int leftoverKillWaitSeconds();

    /** How agents and test commands are confined ({@code forgeline.worker.sandbox.*}). */
    SandboxSettings sandbox();

    /**
     * The bubblewrap sandbox of agents and test commands: a read-only file system except the worktree, a private
     * /tmp and home, an own pid namespace, no network for tests, the worker's credential files masked and an
     * environment from an allow-list. See docs/security.md, "Sandbox".
     */
    interface SandboxSettings {
        /**
         * {@code auto} (default): sandboxed when bubblewrap works on this machine, otherwise unconfined with a
         * warning at start and {@code sandbox} in {@code GET /worker} saying so; {@code required}: attempts fail
         * without bubblewrap; {@code off}: never sandboxed.
         */
        @WithDefault("auto")
        Sandbox.Mode mode();

        /**
         * Whether agents reach the network (they call their model API). bubblewrap allows all or nothing: restrict
         * egress with a network policy or a proxy.
         */
        @WithDefault("true")
        boolean agentNetwork();

        /** Whether test commands reach the network (default: no; dependencies must already be in the worktree or a cache). */
        @WithDefault("false")
        boolean testNetwork();

        /**
         * Further variables of the worker's environment handed to agents and tests, by name (for example
         * {@code HTTPS_PROXY}); besides PATH, LANG, LC_ALL, TZ, TERM and the profile's key variable.
         */
        Optional<List<String>> passEnvironment();

        /**
         * Further files or directories masked in the sandbox, besides the worker's git credential files, the
         * profiles' key files, its config directory and the usual credential places in its home.
         */
        Optional<List<String>> hiddenPaths();
    }

    /** The simulated agent's behaviour. */
    Simulated simulated();

    /** Faults the simulated agent injects, deterministic for a seed (per task and attempt). */
    interface Simulated {
        /**
         * {@code none} (default: every task succeeds at once), {@code field} (the failure mix reported from the field)
         * or {@code custom} (the probabilities below).
         */
        @WithDefault("none")
        String profile();

        @WithDefault("42")
        long seed();

        @WithDefault("0")
        double hang();

        @WithDefault("0")
        double crash();

        @WithDefault("0")
        double testFailure();

        @WithDefault("0")
        double dependencyFailure();

        @WithDefault("0")
        double networkError();

        @WithDefault("0")
        double contextExhausted();

        /** Shortest simulated work, milliseconds (uniform between min and max). */
        @WithDefault("0")
        long durationMinMs();

        @WithDefault("0")
        long durationMaxMs();

        /** Tokens reported per task (input and output halves); 0: derived from prompt and files. */
        @WithDefault("0")
        long tokensPerTask();

        /** Cost reported per task, USD. */
        @WithDefault("0")
        BigDecimal costPerTask();
    }

    /** LAPTOP or CLUSTER; default CLUSTER inside Kubernetes (KUBERNETES_SERVICE_HOST set), else LAPTOP. */
    Optional<String> nodeKind();

    /** Longest prompt handed to an agent; longer descriptions are cut. */
    @WithDefault("16000")
    int promptMaxChars();

    /**
     * Agent profiles by name ({@code forgeline.worker.profiles.<name>.*}): which adapter runs, with which model,
     * context size, provider, prices and key. A lease's {@code agentProfile} names one of them (or an adapter id).
     */
    Map<String, Profile> profiles();

    /**
     * Prices per million tokens by model ({@code forgeline.worker.prices.<model>.input|output|cached}), used when an
     * agent reports tokens but no cost and its profile names no price.
     */
    Map<String, Price> prices();

    /** Per million tokens, in US dollars. */
    interface Price {
        BigDecimal input();

        BigDecimal output();

        Optional<BigDecimal> cached();
    }

    /** One agent profile. */
    interface Profile {
        /** claude-code, codex, aider, gemini, command or simulated. */
        String adapter();

        Optional<String> model();

        /** The model's context window in tokens (a larger one is what a CONTEXT_EXHAUSTED retry asks for). */
        Optional<Integer> contextTokens();

        /** Who bills the tokens: anthropic, openai, google, local ... */
        Optional<String> provider();

        /** Price per million input tokens (overrides the price table). */
        Optional<BigDecimal> inputPrice();

        Optional<BigDecimal> outputPrice();

        Optional<BigDecimal> cachedPrice();

        /** The CLI to run (default: claude, codex, aider, gemini); for {@code command}, the shell command line. */
        Optional<String> executable();

        /** Extra arguments appended to the adapter's command line. */
        Optional<List<String>> args();

        /** The provider key itself (prefer {@code api-key-file}); reaches only the agent process's environment. */
        Optional<String> apiKey();

        /** A file holding the provider key (for example a mounted Kubernetes secret). */
        Optional<String> apiKeyFile();

        /** The environment variable the key is passed in (default per adapter, e.g. ANTHROPIC_API_KEY). */
        Optional<String> apiKeyEnv();
    }
}
