package dev.forgeline.worker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;
import java.util.Optional;

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

    /** Base URL of the dispatcher's REST API (node registration). */
    @WithDefault("http://localhost:8082")
    String dispatcherUrl();

    /** Directory holding the attempts' git worktrees. */
    @WithDefault("${user.home}/.forgeline/worker")
    String workspace();

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

    /** Longest prompt handed to an agent; longer descriptions are cut. */
    @WithDefault("16000")
    int promptMaxChars();
}
