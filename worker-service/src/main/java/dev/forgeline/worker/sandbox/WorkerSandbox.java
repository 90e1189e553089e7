package dev.forgeline.worker.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.support.git.GitConfig;
import dev.forgeline.support.process.Sandbox;
import dev.forgeline.support.process.SandboxDefaults;
import dev.forgeline.worker.config.WorkerConfig;
import io.quarkus.runtime.Startup;
import org.jboss.logging.Logger;

/**
 * How this worker confines agents and test commands ({@code forgeline.worker.sandbox.*}), decided once at start:
 * under bubblewrap when it works here (mode {@code auto}, {@code required}), else unconfined with one warning
 * ({@code auto}) or not at all ({@code required}: attempts fail with the reason).
 *
 * <p>Masked in the sandbox: the worker's git credential files ({@code forgeline.git.hosts.*}), the profiles' key
 * files, its own config directory and {@code .env}, and the usual credential places of its home. The worktree is
 * the only writable place besides the private /tmp.
 */
// decided and logged at start, not at the first attempt
@Startup
@ApplicationScoped
public class WorkerSandbox {
    private static final Logger LOG = Logger.getLogger(WorkerSandbox.class);
    private final Sandbox.Decision decision;
    private final Sandbox agent;
    private final Sandbox tests;

    public WorkerSandbox(WorkerConfig config, GitConfig git) {
        WorkerConfig.SandboxSettings settings = config.sandbox();
        this.decision = Sandbox.Decision.of(settings.mode());
        List<Path> extra = new ArrayList<>();
        config.profiles()
                .values()
                .forEach(profile -> profile.apiKeyFile().map(Path::of).ifPresent(extra::add));
        settings.hiddenPaths().orElse(List.of()).forEach(path -> extra.add(Path.of(path)));
        List<Path> hidden = SandboxDefaults.hiddenPaths(git, extra);
        Sandbox base = Sandbox.isolated()
                .withHidden(hidden)
                .withPassEnvironment(settings.passEnvironment().orElse(List.of()));
        this.agent = base.withNetwork(settings.agentNetwork());
        this.tests = base.withNetwork(settings.testNetwork());
        if (decision.sandboxed()) {
            LOG.infof(
                    "agents and tests run sandboxed with bubblewrap (agent network %s, test network %s)",
                    settings.agentNetwork() ? "on" : "off", settings.testNetwork() ? "on" : "off");
        } else if (decision.refused()) {
            LOG.error(decision.detail() + ": every attempt will fail until it is");
        } else if (decision.mode() == Sandbox.Mode.AUTO) {
            LOG.warn(decision.detail()
                    + " (forgeline.worker.sandbox.mode=auto; set required to refuse attempts instead)");
        } else {
            LOG.info(decision.detail());
        }
    }

    public Sandbox.Decision decision() {
        return decision;
    }

    /** Why attempts cannot run here (mode {@code required} without bubblewrap); empty when they can. */
    public Optional<String> refusal() {
        return decision.refused() ? Optional.of(decision.detail()) : Optional.empty();
    }

    /** The agent's sandbox (empty: unconfined), with these paths readable (the repository, a prompt file). */
    public Optional<Sandbox> forAgent(List<Path> readable) {
        return decision.sandboxed() ? Optional.of(agent.withReadable(readable)) : Optional.empty();
    }

    /** The test command's sandbox (empty: unconfined). */
    public Optional<Sandbox> forTests(List<Path> readable) {
        return decision.sandboxed() ? Optional.of(tests.withReadable(readable)) : Optional.empty();
    }
}
