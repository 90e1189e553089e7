package dev.forgeline.dispatcher.supervision;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.dispatcher.config.DispatcherConfig;
import dev.forgeline.dispatcher.dispatch.PlacementCheck;
import dev.forgeline.dispatcher.domain.Counter;
import dev.forgeline.dispatcher.domain.LeaseOutcome;
import dev.forgeline.dispatcher.domain.TaskKey;
import dev.forgeline.dispatcher.lease.LeaseOutcomeService;
import dev.forgeline.dispatcher.metrics.DispatcherMetrics;
import dev.forgeline.dispatcher.node.NodeEvents;
import dev.forgeline.dispatcher.repository.CounterRepository;
import dev.forgeline.dispatcher.repository.LeaseRepository;
import dev.forgeline.dispatcher.repository.LeaseRepository.ExpiredLease;
import dev.forgeline.dispatcher.repository.NodeRepository;
import dev.forgeline.dispatcher.repository.NodeRepository.Offering;
import dev.forgeline.dispatcher.repository.TaskRepository;
import dev.forgeline.dispatcher.repository.TaskRepository.TaskRow;
import dev.forgeline.dispatcher.repository.TaskRepository.Unplaceable;
import dev.forgeline.dispatcher.retry.RetryService;
import dev.forgeline.dispatcher.retry.RetryService.EndedAttempt;
import org.jboss.logging.Logger;

/**
 * Supervision of attempts and nodes:
 * <ul>
 * <li>a node that announced node heartbeats and missed {@code missed-heartbeats} of them is DEAD;</li>
 * <li>an open lease with no heartbeat for {@code missed-heartbeats} intervals, on a DEAD node, or granted to a
 * worker instance that has since been replaced, is ORPHANED; one past its start-to-close deadline is TIMEOUT.
 * The lease is revoked (LEASE_REVOKED to the node), the slot freed, and the retry table decides;</li>
 * <li>the sweeper resets tasks LEASED or RUNNING for more than {@code sweeper-factor} x their estimate, or left
 * without an open lease; fails READY tasks past schedule-to-close; flags READY tasks no node can take; and turns
 * tasks no registered node offers to run for {@code unplaceable-grace} into a decision.</li>
 * </ul>
 */
@ApplicationScoped
public class LeaseSupervisor {
    private static final Logger LOG = Logger.getLogger(LeaseSupervisor.class);

    private final LeaseRepository leases;
    private final TaskRepository tasks;
    private final NodeRepository nodes;
    private final CounterRepository counters;
    private final LeaseOutcomeService leaseOutcomes;
    private final RetryService retries;
    private final DispatcherMetrics metrics;
    private final DispatcherConfig config;
    private final NodeEvents nodeEvents;

    public LeaseSupervisor(
            LeaseRepository leases,
            TaskRepository tasks,
            NodeRepository nodes,
            CounterRepository counters,
            LeaseOutcomeService leaseOutcomes,
            RetryService retries,
            DispatcherMetrics metrics,
            DispatcherConfig config,
            NodeEvents nodeEvents) {
        this.leases = leases;
        this.tasks = tasks;
        this.nodes = nodes;
        this.counters = counters;
        this.leaseOutcomes = leaseOutcomes;
        this.retries = retries;
        this.metrics = metrics;
        this.config = config;
        this.nodeEvents = nodeEvents;
    }

    /** The silence after which a lease is orphaned and a node dead. */
    public Duration orphanAfter() {
        return config.heartbeatInterval().multipliedBy(config.missedHeartbeats());
    }

    /** Declares silent nodes DEAD; their leases are orphaned by the next {@link #superviseOnce()}. */
    @Transactional
    public List<String> declareSilentNodesDead() {
        List<String> dead = nodes.markSilentNodesDead(orphanAfter().toMillis());
        if (!dead.isEmpty()) {
            counters.increment(Counter.NODES_DEAD, dead.size());
            LOG.warnf(
                    "nodes %s missed %d node heartbeats: DEAD, their leases are orphaned",
                    dead, config.missedHeartbeats());
            nodeEvents.nodesDied(dead);
        }
        return dead;
    }

    /**
     * Ends up to one batch of expired leases in one transaction.
     *
     * @return leases ended
     */
    @Transactional
    public int superviseOnce() {
        List<ExpiredLease> expired = leases.lockExpired(orphanAfter(), config.batchSize());
        // leases and tasks are locked (SKIP LOCKED); the nodes whose slots this pass frees, in name order
        nodes.lockInNameOrder(
                expired.stream().map(ExpiredLease::nodeName).collect(Collectors.toCollection(TreeSet::new)));
        long orphaned = 0;
        long timedOut = 0;
        for (ExpiredLease lease : expired) {
            Optional<TaskRow> row = tasks.lockRow(lease.specId(), lease.taskId());
            if (row.isEmpty()) {
                continue;
            }
            FailureClass failureClass = lease.outcome().failureClass();
            String reason = reason(lease);
            EndedAttempt ended = leaseOutcomes.revoke(row.get(), lease.outcome(), failureClass, reason);
            retries.failed(row.get(), ended, failureClass, reason, null, null);
            if (lease.outcome() == LeaseOutcome.ORPHANED) {
                orphaned++;
            } else {
                timedOut++;
            }
        }
        counters.increment(Counter.ORPHANED, orphaned);
        counters.increment(Counter.TIMED_OUT, timedOut);
        metrics.timeout("heartbeat", orphaned);
        metrics.timeout("start_to_close", timedOut);
        return expired.size();
    }

    /** The sweeper: resets stuck tasks and fails READY tasks past schedule-to-close. */
    @Transactional
    public int sweep() {
        int swept = 0;
        List<TaskKey> stuck = tasks.findStuck(
                config.sweeperFactor(),
                config.timeoutFactor(),
                config.minLeaseDuration().toMillis(),
                config.batchSize());
        // the tasks first, in (spec, task) order, then the nodes whose slots this pass frees, in name order
        List<TaskRow> active = stuck.stream()
                .sorted(Comparator.comparing((TaskKey k) -> k.specId).thenComparing(k -> k.taskId))
                .map(key -> tasks.lockRow(key.specId, key.taskId))
                .flatMap(Optional::stream)
                .filter(TaskRow::isActive)
                .toList();
        nodes.lockInNameOrder(active.stream()
                .filter(TaskRow::leaseOpen)
                .map(TaskRow::nodeName)
                .filter(Objects::nonNull)
                .collect(Collectors.toCollection(TreeSet::new)));
        for (TaskRow row : active) {
            String reason = "sweeper: " + row.state() + " for more than " + config.sweeperFactor()
                    + " x its estimate, or without an open lease";
            EndedAttempt ended = row.leaseOpen()
                    ? leaseOutcomes.revoke(row, LeaseOutcome.TIMEOUT, FailureClass.TIMEOUT, reason)
                    : new EndedAttempt(
                            row.attempt(),
                            row.currentLeaseId(),
                            row.nodeName(),
                            row.leaseAgentProfile(),
                            row.fencingToken(),
                            "TIMEOUT");
            retries.failed(row, ended, FailureClass.TIMEOUT, reason, null, null);
            swept++;
        }
        List<TaskKey> late =
                tasks.lockReadyPastScheduleToClose(config.scheduleToClose().toMillis(), config.batchSize());
        for (TaskKey key : late) {
            TaskRow row = tasks.lockRow(key.specId, key.taskId).orElseThrow();
            String reason = "schedule-to-close limit of " + config.scheduleToClose() + " passed while READY";
            tasks.finish(key.specId, key.taskId, TaskState.FAILED, FailureClass.TIMEOUT, reason, true);
            retries.announceFinalFailure(row, FailureClass.TIMEOUT, reason);
        }
        counters.increment(Counter.SWEPT, swept);
        metrics.timeout("sweeper", swept);
        metrics.timeout("schedule_to_close", late.size());
        return swept + late.size();
    }

    /**
     * READY tasks that no registered node (any status but DEAD) has offered to run for {@code unplaceable-grace}
     * fail for good as AMBIGUOUS_SPEC, naming the unmet requirement: the planner turns that into a decision for a
     * person (amend the requirements or profile, or release the task again once such a node is registered), instead
     * of the task waiting for schedule-to-close.
     */
    @Transactional
    public int raiseUnplaceable() {
        tasks.trackUnplaceable();
        List<Unplaceable> stranded =
                tasks.lockUnplaceable(config.unplaceableGrace().toMillis(), config.batchSize());
        if (stranded.isEmpty()) {
            return 0;
        }
        List<Offering> registered = nodes.offering();
        for (Unplaceable task : stranded) {
            TaskRow row = tasks.lockRow(task.specId(), task.taskId()).orElseThrow();
            List<String> unmet = PlacementCheck.unmet(task.requires(), task.profile(), registered);
            String reason = "unplaceable: no registered node offers " + String.join(", ", unmet) + " (since "
                    + task.since() + ", grace " + config.unplaceableGrace() + "): amend the task's requirements or"
                    + " agent profile, or register a node that offers them and release the task again";
            tasks.finish(task.specId(), task.taskId(), TaskState.FAILED, FailureClass.AMBIGUOUS_SPEC, reason, true);
            retries.announceFinalFailure(row, FailureClass.AMBIGUOUS_SPEC, reason);
            LOG.warnf("%s/%s %s", task.specId(), task.taskId(), reason);
        }
        metrics.timeout("unplaceable", stranded.size());
        return stranded.size();
    }

    /** Flags READY tasks waiting longer than schedule-to-start that no node can take. */
    @Transactional
    public int flagUnschedulable() {
        int flagged = tasks.flagUnschedulable(config.scheduleToStart().toMillis());
        metrics.timeout("schedule_to_start", flagged);
        return flagged;
    }

    private String reason(ExpiredLease lease) {
        return switch (lease.cause()) {
            case "start-to-close" ->
                "start-to-close: attempt on " + lease.nodeName() + " passed its deadline " + lease.deadline();
            case "node-dead" ->
                "node " + lease.nodeName() + " is DEAD (missed " + config.missedHeartbeats() + " node heartbeats)";
            case "instance-restarted" ->
                "node " + lease.nodeName() + " restarted with a new instance: the old instance's attempt is orphaned";
            default ->
                "no heartbeat from " + lease.nodeName() + " since " + lease.lastSignOfLife() + " ("
                        + config.missedHeartbeats() + " intervals of "
                        + config.heartbeatInterval().toMillis()
                        + " ms missed)";
        };
    }
}
