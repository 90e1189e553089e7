package dev.forgeline.worker.attempt;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.support.process.SecretMasker;
import dev.forgeline.worker.config.WorkerConfig;
import org.jboss.logging.Logger;

/**
 * Transcripts of attempts: every output line of the agent and of the worker's test run, secrets masked, in
 * {@code <workspace>/.transcripts/<specId>/<taskId>/a<attempt>.log}. Kept for debugging; they outlive the worktree.
 */
@ApplicationScoped
public class Transcripts {
    private static final Logger LOG = Logger.getLogger(Transcripts.class);
    private final Path root;

    public Transcripts(WorkerConfig config) {
        this.root = Path.of(config.workspace()).toAbsolutePath().normalize().resolve(".transcripts");
    }

    public Path file(String specId, String taskId, int attempt) {
        return root.resolve(specId).resolve(taskId).resolve("a" + attempt + ".log");
    }

    /** A writer for one attempt; lines it receives are masked again before they are written. */
    public Writer open(TaskLeased lease) {
        Path file = file(lease.task().specId(), lease.task().taskId(), lease.attempt());
        try {
            Files.createDirectories(file.getParent());
            return new Writer(Files.newBufferedWriter(
                    file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING));
        } catch (IOException e) {
            LOG.warnf("no transcript for %s: %s", file, e.getMessage());
            return new Writer(null);
        }
    }

    /** Appends masked lines; never throws. */
    public static final class Writer implements Consumer<String>, AutoCloseable {
        private final BufferedWriter out;

        Writer(BufferedWriter out) {
            this.out = out;
        }

        @Override
        public synchronized void accept(String line) {
            if (out == null) {
                return;
            }
            try {
                out.write(SecretMasker.mask(line));
                out.newLine();
                out.flush();
            } catch (IOException e) {
                LOG.debugf("transcript line lost: %s", e.getMessage());
            }
        }

        @Override
        public synchronized void close() {
            if (out != null) {
                try {
                    out.close();
                } catch (IOException e) {
                    LOG.debugf("transcript not closed: %s", e.getMessage());
                }
            }
        }
    }
}
