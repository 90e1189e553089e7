package dev.forgeline.support.process;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A child process to run.
 *
 * @param stdin       written to the process's standard input, which is then closed (null: closed at once)
 * @param deadline    the whole process tree is killed when it is reached
 * @param tailLines   output lines kept
 * @param onLine      receives every output line (masked) as it is printed; may be null
 * @param onRawLine   receives every output line unmasked, for in-memory parsing only (token counts); never
 *                    logged or sent anywhere; may be null
 * @param environment variables added to the scrubbed environment: the only way a secret (a provider key of the
 *                    agent profile) reaches a child process
 * @param stop        polled while the process runs: when it answers true the whole tree is killed (a revoked lease,
 *                    a self-stop); may be null
 * @param ledger      where the started process is written down, so a later run of the worker can kill what is left
 *                    of it should this run die; null: nowhere
 * @param sandbox     how the process is confined under bubblewrap; null: it runs unconfined (with the scrubbed
 *                    environment of {@link ChildEnvironment}). A request with a sandbox never runs unconfined: it
 *                    fails to start where bubblewrap does not work
 */
public record ProcessRequest(
        List<String> command,
        Path directory,
        String stdin,
        Instant deadline,
        int tailLines,
        Consumer<String> onLine,
        Consumer<String> onRawLine,
        Map<String, String> environment,
        BooleanSupplier stop,
        ProcessLedger ledger,
        Sandbox sandbox) {

    public ProcessRequest {
        command = List.copyOf(command);
        ledger = ledger == null ? ProcessLedger.NONE : ledger;
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(deadline, "deadline");
        environment = environment == null ? Map.of() : Map.copyOf(environment);
    }

    public ProcessRequest(
            List<String> command,
            Path directory,
            String stdin,
            Instant deadline,
            int tailLines,
            Consumer<String> onLine,
            Consumer<String> onRawLine,
            Map<String, String> environment,
            BooleanSupplier stop,
            ProcessLedger ledger) {
        this(command, directory, stdin, deadline, tailLines, onLine, onRawLine, environment, stop, ledger, null);
    }

    public ProcessRequest(
            List<String> command,
            Path directory,
            String stdin,
            Instant deadline,
            int tailLines,
            Consumer<String> onLine) {
        this(command, directory, stdin, deadline, tailLines, onLine, null, Map.of(), null, null, null);
    }

    /** The same request, confined by {@code sandbox} (null: unconfined). */
    public ProcessRequest withSandbox(Sandbox sandbox) {
        return new ProcessRequest(
                command, directory, stdin, deadline, tailLines, onLine, onRawLine, environment, stop, ledger, sandbox);
    }

    /** {@code sh -c <commandLine>}. */
    public static ProcessRequest shell(
            String commandLine,
            Path directory,
            String stdin,
            Instant deadline,
            int tailLines,
            Consumer<String> onLine) {
        return new ProcessRequest(List.of("sh", "-c", commandLine), directory, stdin, deadline, tailLines, onLine);
    }
}
