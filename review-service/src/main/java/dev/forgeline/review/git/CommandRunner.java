package dev.forgeline.review.git;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.review.config.ReviewConfig;
import dev.forgeline.support.git.GitConfig;
import dev.forgeline.support.process.ProcessRequest;
import dev.forgeline.support.process.ProcessResult;
import dev.forgeline.support.process.ProcessRunner;
import dev.forgeline.support.process.Sandbox;
import dev.forgeline.support.process.SandboxDefaults;
import io.quarkus.runtime.Startup;
import org.jboss.logging.Logger;

/**
 * Runs a repository's own command ({@code verify}, {@code lint}) with {@code sh -c} in a directory through the one
 * process runner: an environment without the service's secrets, the whole process tree (and what it leaves in its
 * group) killed at the deadline, only the tail of its output kept, secrets masked. Under bubblewrap
 * ({@code forgeline.review.sandbox.*}) the command can write only its checkout and a private /tmp, reads none of
 * the service's credential files and reaches no network unless allowed.
 */
// decided and logged at start, not at the first command
@Startup
@ApplicationScoped
public class CommandRunner {
    public static final int TAIL_CHARS = 4000;
    private static final int TAIL_LINES = 200;
    private static final Logger LOG = Logger.getLogger(CommandRunner.class);

    private final Sandbox.Decision decision;
    private final Sandbox sandbox;

    public CommandRunner(ReviewConfig config, GitConfig git) {
        ReviewConfig.SandboxSettings settings = config.sandbox();
        this.decision = Sandbox.Decision.of(settings.mode());
        List<Path> extra =
                settings.hiddenPaths().orElse(List.of()).stream().map(Path::of).toList();
        this.sandbox = Sandbox.isolated()
                .withNetwork(settings.network())
                .withHidden(SandboxDefaults.hiddenPaths(git, extra))
                .withPassEnvironment(settings.passEnvironment().orElse(List.of()))
                // a checkout's git metadata lives in the service's clones
                .withReadable(List.of(config.workspace().toAbsolutePath().normalize()));
        if (decision.refused()) {
            LOG.error(decision.detail() + ": lint and verify commands fail until it is");
        } else if (!decision.sandboxed() && decision.mode() == Sandbox.Mode.AUTO) {
            LOG.warn(decision.detail()
                    + " (forgeline.review.sandbox.mode=auto; set required to refuse the commands instead)");
        } else {
            LOG.infof("lint and verify commands: %s", decision.detail());
        }
    }

    /** How lint and verify commands are confined here. */
    public Sandbox.Decision sandbox() {
        return decision;
    }

    /** How a command ended; {@code exitCode} is -1 when it timed out. */
    public record Outcome(String command, int exitCode, boolean timedOut, String outputTail, long durationMillis) {
        public boolean passed() {
            return exitCode == 0 && !timedOut;
        }
    }

    public Outcome run(Path dir, String command, Duration timeout) {
        long start = System.nanoTime();
        if (decision.refused()) {
            return new Outcome(command, 127, false, "not run: " + decision.detail(), 0);
        }
        try {
            ProcessResult result = ProcessRunner.run(
                    ProcessRequest.shell(command, dir, null, Instant.now().plus(timeout), TAIL_LINES, null)
                            .withSandbox(decision.sandboxed() ? sandbox : null));
            String tail = tail(result.outputTail());
            if (result.timedOut()) {
                return new Outcome(
                        command,
                        -1,
                        true,
                        tail + "\n(timed out after " + timeout.toSeconds() + " s)",
                        result.durationMillis());
            }
            return new Outcome(command, result.exitCode(), false, tail, result.durationMillis());
        } catch (IOException e) {
            return new Outcome(
                    command,
                    127,
                    false,
                    "cannot run " + command + ": " + e.getMessage(),
                    (System.nanoTime() - start) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(command, -1, true, "interrupted", (System.nanoTime() - start) / 1_000_000);
        }
    }

    static String tail(String text) {
        return text.length() <= TAIL_CHARS ? text : "..." + text.substring(text.length() - TAIL_CHARS);
    }
}
