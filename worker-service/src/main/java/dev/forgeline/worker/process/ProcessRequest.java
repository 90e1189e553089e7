package dev.forgeline.worker.process;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A child process to run.
 *
 * @param stdin     written to the process's standard input, which is then closed (null: closed at once)
 * @param deadline  the whole process tree is killed when it is reached
 * @param tailLines output lines kept
 * @param onLine    receives every output line (masked) as it is printed; may be null
 */
public record ProcessRequest(List<String> command, Path directory, String stdin, Instant deadline, int tailLines,
        Consumer<String> onLine) {

    public ProcessRequest {
        command = List.copyOf(command);
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(deadline, "deadline");
    }

    /** {@code sh -c <commandLine>}. */
    public static ProcessRequest shell(String commandLine, Path directory, String stdin, Instant deadline,
            int tailLines, Consumer<String> onLine) {
        return new ProcessRequest(List.of("sh", "-c", commandLine), directory, stdin, deadline, tailLines, onLine);
    }
}
