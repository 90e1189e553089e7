package dev.forgeline.worker.workspace;

import java.nio.file.Path;
import java.time.Duration;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.forgeline.worker.config.WorkerConfig;
import dev.forgeline.worker.git.GitCli;

/** The worker's {@link Workspaces}, configured from {@code forgeline.worker.*}. */
public class WorkspacesProducer {
    @Produces
    @Singleton
    Workspaces workspaces(WorkerConfig config, GitCli git) {
        return new Workspaces(
                Path.of(config.workspace()),
                git,
                Duration.ofHours(Math.max(0, config.keepFailedHours())),
                Math.max(0, config.keepFailedWorktrees()),
                Math.max(0, config.keepFailedMaxMb()) * 1024 * 1024);
    }
}
