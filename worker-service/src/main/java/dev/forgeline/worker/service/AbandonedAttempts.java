package dev.forgeline.worker.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.contracts.payload.DiffStats;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TestOutcome;
import dev.forgeline.worker.config.WorkerConfig;
import dev.forgeline.worker.messaging.ResultPublisher;
import dev.forgeline.worker.workspace.Workspaces;
import io.quarkus.runtime.StartupEvent;
import org.jboss.logging.Logger;

/**
 * On start-up: the attempts the previous process of this worker started and never answered are reported as failed
 * ORPHANED (with the lease's fencing token, so the dispatcher ignores the report if it has moved on), and their
 * worktrees, and any other worktree directory left from before this start that is not a kept failed one, are
 * removed. Kept failed worktrees past their bounds are pruned.
 */
@ApplicationScoped
public class AbandonedAttempts {
    private static final Logger LOG = Logger.getLogger(AbandonedAttempts.class);
    private final Workspaces workspaces;
    private final ResultPublisher results;
    private final WorkerConfig config;
    private final Instant processStart = Instant.now();

    public AbandonedAttempts(Workspaces workspaces, ResultPublisher results, WorkerConfig config) {
        this.workspaces = workspaces;
        this.results = results;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        Thread thread = new Thread(
                () -> {
                    try {
                        recover();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (IOException | RuntimeException e) {
                        LOG.warnf("recovery of abandoned attempts failed: %s", e.getMessage());
                    }
                },
                "abandoned-attempts");
        thread.setDaemon(true);
        thread.start();
    }

    /** Reports and cleans up; returns the results it published. */
    public List<TaskResult> recover() throws IOException, InterruptedException {
        List<TaskResult> reported = new ArrayList<>();
        for (TaskLeased lease : workspaces.abandonedAttempts()) {
            Path worktree = workspaces
                    .root()
                    .resolve(lease.task().specId())
                    .resolve(lease.task().taskId())
                    .resolve("a" + lease.attempt());
            workspaces.removeLeftovers(lease, worktree);
            TaskResult result = orphaned(lease, config.nodeName());
            LOG.warnf(
                    "attempt %s/%s a%d was abandoned by a previous run of this worker: reporting it ORPHANED",
                    lease.task().specId(), lease.task().taskId(), lease.attempt());
            if (results.publish(result, Map.of())) {
                workspaces.recordEnd(lease.leaseId());
                reported.add(result);
            }
        }
        removeStrayWorktrees();
        workspaces.pruneKept(Instant.now());
        return reported;
    }

    static TaskResult orphaned(TaskLeased lease, String nodeName) {
        String branch =
                AttemptRunner.branchName(lease.task().specId(), lease.task().taskId(), lease.attempt());
        String profile = lease.agentProfile() != null
                ? lease.agentProfile()
                : lease.task().agentProfile();
        return new TaskResult(
                lease.leaseId(),
                lease.task().specId(),
                lease.task().taskId(),
                nodeName,
                lease.fencingToken(),
                lease.attempt(),
                false,
                FailureClass.ORPHANED,
                "abandoned: the worker stopped during the attempt and was restarted; its processes and worktree are gone",
                lease.task().repository(),
                lease.task().baseBranch(),
                branch,
                null,
                null,
                DiffStats.empty(),
                TestOutcome.notRun(lease.task().testCommand()),
                AgentUsage.none(profile, null),
                0,
                lease.leasedAt() == null ? Instant.now() : lease.leasedAt(),
                Instant.now());
    }

    /** Worktree directories ({@code <spec>/<task>/a<n>}) older than this process that are not kept ones. */
    private void removeStrayWorktrees() throws IOException, InterruptedException {
        Path root = workspaces.root();
        if (!Files.isDirectory(root)) {
            return;
        }
        Set<Path> kept = workspaces.kept().stream()
                .map(k -> k.worktree().toAbsolutePath().normalize())
                .collect(Collectors.toSet());
        List<Path> stray;
        try (Stream<Path> paths = Files.find(
                root,
                3,
                (path, attributes) -> attributes.isDirectory()
                        && root.relativize(path).getNameCount() == 3
                        && path.getFileName().toString().matches("a\\d+")
                        && !root.relativize(path).getName(0).toString().startsWith(".")
                        && !root.relativize(path).getName(0).toString().equals("mirrors")
                        && attributes.lastModifiedTime().compareTo(FileTime.from(processStart)) < 0)) {
            stray = paths.map(p -> p.toAbsolutePath().normalize())
                    .filter(p -> !kept.contains(p))
                    .toList();
        }
        for (Path worktree : stray) {
            LOG.infof("removing leftover worktree %s", worktree);
            workspaces.removeLeftovers(null, worktree);
        }
    }
}
