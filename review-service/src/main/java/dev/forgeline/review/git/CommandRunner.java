package dev.forgeline.review.git;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.support.process.ProcessRequest;
import dev.forgeline.support.process.ProcessResult;
import dev.forgeline.support.process.ProcessRunner;

/**
 * Runs a repository's own command ({@code verify}, {@code lint}) with {@code sh -c} in a directory through the one
 * process runner: an environment without the service's secrets, the whole process tree (and what it leaves in its
 * group) killed at the deadline, only the tail of its output kept, secrets masked.
 */
@ApplicationScoped
public class CommandRunner {
    public static final int TAIL_CHARS = 4000;
    private static final int TAIL_LINES = 200;

    /** How a command ended; {@code exitCode} is -1 when it timed out. */
    public record Outcome(String command, int exitCode, boolean timedOut, String outputTail, long durationMillis) {
        public boolean passed() {
            return exitCode == 0 && !timedOut;
        }
    }

    public Outcome run(Path dir, String command, Duration timeout) {
        long start = System.nanoTime();
        try {
            ProcessResult result = ProcessRunner.run(
                    ProcessRequest.shell(command, dir, null, Instant.now().plus(timeout), TAIL_LINES, null));
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
