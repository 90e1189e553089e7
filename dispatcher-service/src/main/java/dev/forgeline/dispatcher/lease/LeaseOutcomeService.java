package dev.forgeline.dispatcher.lease;

import java.time.Instant;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.Heartbeat;
import dev.forgeline.contracts.payload.LeaseRevoked;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.dispatcher.dispatch.DispatchLoop;
import dev.forgeline.dispatcher.domain.Counter;
import dev.forgeline.dispatcher.domain.LeaseOutcome;
import dev.forgeline.dispatcher.metrics.DispatcherMetrics;
import dev.forgeline.dispatcher.repository.CounterRepository;
import dev.forgeline.dispatcher.repository.LeaseRepository;
import dev.forgeline.dispatcher.repository.NodeRepository;
import dev.forgeline.dispatcher.repository.TaskRepository;
import dev.forgeline.dispatcher.repository.TaskRepository.TaskRow;
import dev.forgeline.dispatcher.retry.RetryService;
import dev.forgeline.dispatcher.retry.RetryService.EndedAttempt;
import dev.forgeline.support.outbox.Outbox;
import org.jboss.logging.Logger;

/**
 * Applies what workers report about their leases. Only a report carrying the fencing token of the task's
 * current, open lease changes anything; any other is stale (a zombie worker, a late or repeated delivery, the
 * acknowledgement of a revocation) and is only counted and logged. Locks are taken in the order task, lease, node.
 */
@ApplicationScoped
public class LeaseOutcomeService {
    private static final Logger LOG = Logger.getLogger(LeaseOutcomeService.class);
    static final int MAX_REASON_LENGTH = 500;
    /** Failure classes a worker reports when it acknowledges a revocation. */
    static final Set<FailureClass> REVOCATION_REASONS =
            EnumSet.of(FailureClass.CANCELLED, FailureClass.TIMEOUT, FailureClass.ORPHANED);

    private final TaskRepository tasks;
    private final LeaseRepository leases;
    private final NodeRepository nodes;
    private final CounterRepository counters;
    private final Outbox outbox;
    private final DispatchLoop dispatchLoop;
    private final RetryService retries;
    private final DispatcherMetrics metrics;
    private final LeaseFeed leaseFeed;

    public LeaseOutcomeService(
            TaskRepository tasks,
            LeaseRepository leases,
            NodeRepository nodes,
            CounterRepository counters,
            Outbox outbox,
            DispatchLoop dispatchLoop,
            RetryService retries,
            DispatcherMetrics metrics,
            LeaseFeed leaseFeed) {
        this.leaseFeed = leaseFeed;
        this.tasks = tasks;
        this.leases = leases;
        this.nodes = nodes;
        this.counters = counters;
        this.outbox = outbox;
        this.dispatchLoop = dispatchLoop;
        this.retries = retries;
        this.metrics = metrics;
    }

    /**
     * Records a heartbeat; the first one of a lease moves its task from LEASED to RUNNING.
     *
     * @param specId the envelope's spec id (heartbeats do not carry it in the payload); null to look it up by lease
     * @param taskId the envelope's task id, used when the payload does not name one
     * @return false for a stale heartbeat
     */
    @Transactional
    public boolean applyHeartbeat(String specId, String taskId, Heartbeat heartbeat) {
        Optional<TaskRow> held = record(resolve(new AttemptHeartbeat(specId, taskId, heartbeat)));
        if (held.isEmpty()) {
            counters.increment(Counter.STALE_HEARTBEATS, 1);
            return false;
        }
        nodes.touch(held.get().nodeName());
        return true;
    }

    /** A WORKER_HEARTBEAT with the spec and task ids of its envelope (either may be null). */
    public record AttemptHeartbeat(String specId, String taskId, Heartbeat heartbeat) {}

    /** What {@link #recordHeartbeats} leaves to the caller: the nodes to touch, and how many heartbeats were stale. */
    public record RecordedHeartbeats(SortedSet<String> nodes, int stale) {}

    /**
     * Records several heartbeats in the caller's transaction, locking their tasks in (spec, task) order, but touches
     * no node row and no counter: the caller locks the nodes with everything else it locks on nodes, in name order
     * (see NodeRepository), then counts the stale ones with {@link #countStaleHeartbeats}.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public RecordedHeartbeats recordHeartbeats(List<AttemptHeartbeat> heartbeats) {
        SortedSet<String> touched = new TreeSet<>();
        int stale = 0;
        List<AttemptHeartbeat> resolved =
                heartbeats.stream().map(this::resolve).sorted(TASK_ORDER).toList();
        for (AttemptHeartbeat heartbeat : resolved) {
            Optional<TaskRow> held = record(heartbeat);
            if (held.isEmpty()) {
                stale++;
            } else if (held.get().nodeName() != null) {
                touched.add(held.get().nodeName());
            }
        }
        return new RecordedHeartbeats(touched, stale);
    }

    /** Counts stale heartbeats (a counter row: the last lock a transaction takes). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void countStaleHeartbeats(int stale) {
        if (stale > 0) {
            counters.increment(Counter.STALE_HEARTBEATS, stale);
        }
    }

    private static final Comparator<AttemptHeartbeat> TASK_ORDER = Comparator.comparing(
                    AttemptHeartbeat::specId, Comparator.nullsFirst(Comparator.<String>naturalOrder()))
            .thenComparing(AttemptHeartbeat::taskId, Comparator.nullsFirst(Comparator.<String>naturalOrder()));

    /** The heartbeat with the spec it belongs to (looked up by lease when the envelope does not say) and its task. */
    private AttemptHeartbeat resolve(AttemptHeartbeat beat) {
        Heartbeat heartbeat = beat.heartbeat();
        String spec = beat.specId() != null
                ? beat.specId()
                : heartbeat.leaseId() == null ? null : leases.specIdOf(heartbeat.leaseId());
        String task = heartbeat.taskId() != null ? heartbeat.taskId() : beat.taskId();
        return new AttemptHeartbeat(spec, task, heartbeat);
    }

    /**
     * Records a resolved heartbeat on its task and lease.
     *
     * @return the task as locked (its node is the one to touch), or empty for a stale heartbeat
     */
    private Optional<TaskRow> record(AttemptHeartbeat beat) {
        metrics.heartbeat("attempt");
        String spec = beat.specId();
        String task = beat.taskId();
        Heartbeat heartbeat = beat.heartbeat();
        Optional<TaskRow> current = spec == null || task == null ? Optional.empty() : tasks.lockRow(spec, task);
        if (current.isEmpty() || !holds(current.get(), heartbeat.leaseId(), heartbeat.fencingToken())) {
            metrics.stale("heartbeat");
            LOG.infof(
                    "stale heartbeat for %s/%s from %s: token %d, current %s",
                    spec, task, heartbeat.nodeName(), heartbeat.fencingToken(), currentToken(current));
            return Optional.empty();
        }
        TaskRow row = current.get();
        leases.recordHeartbeat(row.currentLeaseId());
        if (row.state() == TaskState.LEASED) {
            tasks.setState(spec, task, TaskState.RUNNING, null);
            outbox.append(
                    EventType.TASK_STATE_CHANGED,
                    spec,
                    task,
                    Topics.key(spec, task),
                    new TaskStateChanged(
                            spec,
                            task,
                            TaskState.RUNNING,
                            row.attempt(),
                            row.nodeName(),
                            row.fencingToken(),
                            null,
                            null));
        }
        return current;
    }

    /**
     * Ends the current lease with the worker's result: SUCCEEDED, or the retry table decides between READY again
     * and FAILED for good. The node's slot is free either way.
     *
     * @return false for a stale result (or a stale acknowledgement of a revocation)
     */
    @Transactional
    public boolean applyResult(TaskResult result) {
        Optional<TaskRow> current = result.specId() == null || result.taskId() == null
                ? Optional.empty()
                : tasks.lockRow(result.specId(), result.taskId());
        if (current.isEmpty() || !holds(current.get(), result.leaseId(), result.fencingToken())) {
            boolean ack = !result.succeeded() && REVOCATION_REASONS.contains(result.failureClass());
            counters.increment(ack ? Counter.STALE_ACKS : Counter.STALE_RESULTS, 1);
            metrics.stale(ack ? "ack" : "result");
            LOG.infof(
                    "stale %s for %s/%s from %s: token %d, current %s",
                    ack ? "revocation acknowledgement" : "result",
                    result.specId(),
                    result.taskId(),
                    result.nodeName(),
                    result.fencingToken(),
                    currentToken(current));
            return false;
        }
        TaskRow row = current.get();
        EndedAttempt ended = new EndedAttempt(
                row.attempt(),
                row.currentLeaseId(),
                row.nodeName(),
                row.leaseAgentProfile(),
                row.fencingToken(),
                result.succeeded() ? "SUCCEEDED" : "FAILED");
        leases.end(row.currentLeaseId(), result.succeeded() ? LeaseOutcome.SUCCEEDED : LeaseOutcome.FAILED);
        nodes.releaseSlots(Map.of(row.nodeName(), 1));
        if (result.succeeded()) {
            tasks.finish(row.specId(), row.taskId(), TaskState.SUCCEEDED, null, null, false);
            retries.succeeded(row, ended);
            outbox.append(
                    EventType.TASK_STATE_CHANGED,
                    row.specId(),
                    row.taskId(),
                    Topics.key(row.specId(), row.taskId()),
                    new TaskStateChanged(
                            row.specId(),
                            row.taskId(),
                            TaskState.SUCCEEDED,
                            row.attempt(),
                            row.nodeName(),
                            row.fencingToken(),
                            null,
                            null));
        } else {
            FailureClass failureClass =
                    result.failureClass() != null ? result.failureClass() : FailureClass.AGENT_ERROR;
            String outputTail = result.tests() != null
                            && result.tests().outputTail() != null
                            && !result.tests().outputTail().isBlank()
                    ? result.tests().outputTail()
                    : result.failureDetail();
            retries.failed(row, ended, failureClass, result.failureDetail(), outputTail, null);
        }
        dispatchLoop.wakeAfterCommit();
        return true;
    }

    /**
     * Ends the open lease of a locked task for the dispatcher's own reason, frees the slot and tells the node
     * to stop the attempt (LEASE_REVOKED on the leases topic, keyed by node name).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public EndedAttempt revoke(TaskRow row, LeaseOutcome outcome, FailureClass reason, String detail) {
        leases.end(row.currentLeaseId(), outcome);
        nodes.releaseSlots(Map.of(row.nodeName(), 1));
        announceRevocation(
                row.specId(),
                row.taskId(),
                row.currentLeaseId(),
                row.nodeName(),
                row.fencingToken(),
                row.attempt(),
                reason,
                detail,
                row.traceContext());
        dispatchLoop.wakeAfterCommit();
        return new EndedAttempt(
                row.attempt(),
                row.currentLeaseId(),
                row.nodeName(),
                row.leaseAgentProfile(),
                row.fencingToken(),
                outcome.name());
    }

    /** Appends LEASE_REVOKED for a lease already ended in this transaction. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void announceRevocation(
            String specId,
            String taskId,
            UUID leaseId,
            String nodeName,
            long fencingToken,
            int attempt,
            FailureClass reason,
            String detail,
            Map<String, String> traceContext) {
        leaseFeed.append(outbox.appendAll(List.of(new Outbox.Event(
                EventType.LEASE_REVOKED,
                specId,
                taskId,
                nodeName,
                new LeaseRevoked(
                        leaseId,
                        nodeName,
                        specId,
                        taskId,
                        fencingToken,
                        attempt,
                        reason,
                        truncate(detail),
                        Instant.now()),
                traceContext))));
    }

    static boolean holds(TaskRow row, UUID claimedLease, long claimedToken) {
        return row.leaseOpen()
                && row.fencingToken() != null
                && row.fencingToken() == claimedToken
                && (claimedLease == null || claimedLease.equals(row.currentLeaseId()))
                && row.isActive();
    }

    private static String currentToken(Optional<TaskRow> current) {
        return current.filter(TaskRow::leaseOpen)
                .map(c -> String.valueOf(c.fencingToken()))
                .orElse("none");
    }

    /** Bounds a reason stored on a task or attempt; every service that writes one uses this. */
    public static String truncate(String text) {
        if (text == null || text.length() <= MAX_REASON_LENGTH) {
            return text;
        }
        return text.substring(0, MAX_REASON_LENGTH - 1) + "…";
    }
}
