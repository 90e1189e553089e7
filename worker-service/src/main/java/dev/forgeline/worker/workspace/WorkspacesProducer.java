package dev.forgeline.worker.workspace;

import java.nio.file.Path;
import java.time.Duration;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.forgeline.support.git.GitRunner;
import dev.forgeline.worker.config.WorkerConfig;

/** The worker's {@link Workspaces}, configured from {@code forgeline.worker.*}. */
public class WorkspacesProducer {
    @Produces
    @Singleton
    Workspaces workspaces(WorkerConfig config, GitRunner git) {
        return new Workspaces(
                Path.of(config.workspace()),
                git,
                config.pushRefPrefix(),
                Duration.ofHours(Math.max(0, config.keepFailedHours())),
                Math.max(0, config.keepFailedWorktrees()),
                Math.max(0, config.keepFailedMaxMb()) * 1024 * 1024);
    }
}
