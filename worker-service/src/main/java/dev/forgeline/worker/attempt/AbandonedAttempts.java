package dev.forgeline.worker.attempt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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
import dev.forgeline.support.background.BackgroundWork;
import dev.forgeline.support.process.LeftoverProcesses;
import dev.forgeline.support.process.ProcStat;
import dev.forgeline.support.process.TrackedProcess;
import dev.forgeline.worker.config.WorkerConfig;
import dev.forgeline.worker.lease.WorkerPool;
import dev.forgeline.worker.messaging.ResultPublisher;
import dev.forgeline.worker.workspace.Workspaces;
import io.quarkus.runtime.StartupEvent;
import org.jboss.logging.Logger;

/**
 * On start-up: the attempts the previous process of this worker started and never answered are cleaned up and
 * reported. First every process the attempt recorded that still runs, with its whole process group and session, is
 * killed (SIGTERM, SIGKILL after a grace, waiting a bounded time until they are gone; see
 * {@link LeftoverProcesses}); then the attempt is reported as failed ORPHANED (with the lease's fencing token, so
 * the dispatcher ignores the report if it has moved on) saying what was killed. Their worktrees, and any other
 * worktree directory left from before this start that is not a kept failed one, are removed. Kept failed worktrees
 * past their bounds are pruned. Until this is done the pool runs no lease, and it never runs an abandoned one.
 */
@ApplicationScoped
public class AbandonedAttempts {
    private static final Logger LOG = Logger.getLogger(AbandonedAttempts.class);
    private final Workspaces workspaces;
    private final ResultPublisher results;
    private final WorkerConfig config;
    private final Instant processStart = Instant.now();

    private final WorkerPool pool;

    private final BackgroundWork background;

    public AbandonedAttempts(
            Workspaces workspaces,
            ResultPublisher results,
            WorkerConfig config,
            WorkerPool pool,
            BackgroundWork background) {
        this.background = background;
        this.pool = pool;
        this.workspaces = workspaces;
        this.results = results;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        background.loop("abandoned-attempts", () -> {
            try {
                recover();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException | RuntimeException e) {
                LOG.warnf("recovery of abandoned attempts failed: %s", e.getMessage());
            } finally {
                // whatever happened, the pool may now run leases, never an abandoned one
                pool.recovered();
            }
        });
    }

    /** Kills what the abandoned attempts left running, reports and cleans up; returns the results it published. */
    public List<TaskResult> recover() throws IOException, InterruptedException {
        List<TaskResult> reported = new ArrayList<>();
        for (TaskLeased lease : workspaces.abandonedAttempts()) {
            if (pool.active(lease.leaseId())) {
                // this process runs it: not abandoned
                continue;
            }
            pool.abandoned(lease);
            String processes = killLeftovers(lease);
            Path worktree = workspaces
                    .root()
                    .resolve(lease.task().specId())
                    .resolve(lease.task().taskId())
                    .resolve("a" + lease.attempt());
            workspaces.removeLeftovers(lease, worktree);
            TaskResult result = orphaned(lease, config.nodeName(), processes);
            LOG.warnf(
                    "attempt %s/%s a%d was abandoned by a previous run of this worker (%s): reporting it ORPHANED",
                    lease.task().specId(), lease.task().taskId(), lease.attempt(), processes);
            if (results.publish(result, Map.of())) {
                workspaces.recordEnd(lease.leaseId());
                reported.add(result);
            }
        }
        for (UUID leaseId : workspaces.processRecordsWithoutAttempt()) {
            if (!pool.active(leaseId)) {
                LeftoverProcesses.Outcome outcome = killLeftovers(workspaces.trackedProcesses(leaseId));
                LOG.warnf(
                        "processes of lease %s, whose attempt record was unreadable: killed %s, surviving %s",
                        leaseId, outcome.killed(), outcome.surviving());
                workspaces.recordEnd(leaseId);
            }
        }
        removeStrayWorktrees();
        workspaces.pruneKept(Instant.now());
        return reported;
    }

    /** Kills the processes the attempt recorded that still run; says what happened, for the result's detail. */
    private String killLeftovers(TaskLeased lease) throws IOException {
        List<TrackedProcess> recorded = workspaces.trackedProcesses(lease.leaseId());
        if (!ProcStat.available()) {
            return "its processes could not be looked for: this system has no /proc";
        }
        if (recorded.isEmpty()) {
            return "it had started no process";
        }
        String boot = ProcStat.bootId().orElse("");
        if (recorded.stream().noneMatch(p -> p.bootId().equals(boot))) {
            return "the machine has restarted since, so none of its processes survive";
        }
        LeftoverProcesses.Outcome outcome = killLeftovers(recorded);
        if (!outcome.surviving().isEmpty()) {
            LOG.errorf(
                    "processes of abandoned lease %s still alive after %d s: %s",
                    lease.leaseId(), config.leftoverKillWaitSeconds(), outcome.surviving());
            return "killed " + count(outcome.killed()) + " left by the previous run " + outcome.killed() + ", but "
                    + count(outcome.surviving()) + " could not be killed " + outcome.surviving();
        }
        if (outcome.killed().isEmpty()) {
            return "none of its processes was still running";
        }
        return "killed " + count(outcome.killed()) + " left by the previous run " + outcome.killed();
    }

    private LeftoverProcesses.Outcome killLeftovers(List<TrackedProcess> recorded) {
        return LeftoverProcesses.kill(
                recorded,
                Duration.ofSeconds(Math.max(0, config.leftoverKillGraceSeconds())),
                Duration.ofSeconds(Math.max(1, config.leftoverKillWaitSeconds())));
    }

    private static String count(List<LeftoverProcesses.Found> processes) {
        return processes.size() + (processes.size() == 1 ? " process" : " processes");
    }

    static TaskResult orphaned(TaskLeased lease, String nodeName, String processes) {
        return lost(
                lease,
                nodeName,
                "abandoned: the worker stopped during the attempt and was restarted; " + processes
                        + "; its worktree is removed");
    }

    /** The result of an attempt the worker lost (ORPHANED: the infrastructure's failure, not the task's). */
    public static TaskResult lost(TaskLeased lease, String nodeName, String detail) {
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
                        detail,
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
                        Instant.now())
                .withOwner(lease.task().project(), lease.task().submittedBy());
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
