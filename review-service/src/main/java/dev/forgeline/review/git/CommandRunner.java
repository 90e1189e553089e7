package dev.forgeline.review.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Runs a repository's own command ({@code verify}, {@code lint}) with {@code sh -c} in a directory, killing its
 * whole process tree when it runs out of time. Only the tail of its output is kept.
 */
@ApplicationScoped
public class CommandRunner {
    public static final int TAIL_CHARS = 4000;

    /** How a command ended; {@code exitCode} is -1 when it timed out. */
    public record Outcome(String command, int exitCode, boolean timedOut, String outputTail, long durationMillis) {
        public boolean passed() {
            return exitCode == 0 && !timedOut;
        }
    }

    public Outcome run(Path dir, String command, Duration timeout) {
        long start = System.nanoTime();
        Path output = null;
        try {
            output = Files.createTempFile("forgeline-command-", ".log");
            Process process = new ProcessBuilder(List.of("sh", "-c", command))
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            process.getOutputStream().close();
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            String tail = tail(Files.readString(output, StandardCharsets.UTF_8));
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (!finished) {
                return new Outcome(
                        command, -1, true, tail + "\n(timed out after " + timeout.toSeconds() + " s)", millis);
            }
            return new Outcome(command, process.exitValue(), false, tail, millis);
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
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // a leftover log in the temp directory is harmless
                }
            }
        }
    }

    static String tail(String text) {
        return text.length() <= TAIL_CHARS ? text : "..." + text.substring(text.length() - TAIL_CHARS);
    }
}
