package dev.forgeline.dispatcher.service;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.Heartbeat;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.dispatcher.domain.Counter;
import dev.forgeline.dispatcher.domain.LeaseOutcome;
import dev.forgeline.dispatcher.repository.CounterRepository;
import dev.forgeline.dispatcher.repository.LeaseRepository;
import dev.forgeline.dispatcher.repository.NodeRepository;
import dev.forgeline.dispatcher.repository.TaskRepository;
import dev.forgeline.dispatcher.repository.TaskRepository.CurrentLease;
import dev.forgeline.support.outbox.Outbox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Applies what workers report about their leases. Only a report carrying the fencing token of the task's
 * current, open lease changes anything; any other is stale (a zombie worker, a late or repeated delivery) and
 * is only counted and logged. Locks are taken in the order task, lease, node.
 */
@ApplicationScoped
public class LeaseOutcomeService {
    private static final Logger LOG = Logger.getLogger(LeaseOutcomeService.class);
    static final int MAX_REASON_LENGTH = 500;

    private final TaskRepository tasks;
    private final LeaseRepository leases;
    private final NodeRepository nodes;
    private final CounterRepository counters;
    private final Outbox outbox;
    private final DispatchLoop dispatchLoop;

    public LeaseOutcomeService(TaskRepository tasks, LeaseRepository leases, NodeRepository nodes,
            CounterRepository counters, Outbox outbox, DispatchLoop dispatchLoop) {
        this.tasks = tasks;
        this.leases = leases;
        this.nodes = nodes;
        this.counters = counters;
        this.outbox = outbox;
        this.dispatchLoop = dispatchLoop;
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
        String spec = specId != null ? specId : heartbeat.leaseId() == null ? null : leases.specIdOf(heartbeat.leaseId());
        String task = heartbeat.taskId() != null ? heartbeat.taskId() : taskId;
        Optional<CurrentLease> current = spec == null || task == null
                ? Optional.empty()
                : tasks.lockWithCurrentLease(spec, task);
        if (current.isEmpty() || !current.get().isHeldBy(heartbeat.leaseId(), heartbeat.fencingToken())) {
            counters.increment(Counter.STALE_HEARTBEATS, 1);
            LOG.infof("stale heartbeat for %s/%s from %s: token %d, current %s", spec, task, heartbeat.nodeName(),
                    heartbeat.fencingToken(), currentToken(current));
            return false;
        }
        CurrentLease lease = current.get();
        leases.recordHeartbeat(lease.leaseId());
        nodes.touch(lease.nodeName());
        if (lease.state() == TaskState.LEASED) {
            tasks.setState(spec, task, TaskState.RUNNING, null);
            outbox.append(EventType.TASK_STATE_CHANGED, spec, task, spec + "/" + task,
                    new TaskStateChanged(spec, task, TaskState.RUNNING, lease.attempt(), lease.nodeName(),
                            lease.fencingToken(), null, null));
        }
        return true;
    }

    /**
     * Ends the current lease with the worker's result: the task SUCCEEDED or FAILED and the node's slot is free.
     *
     * @return false for a stale result
     */
    @Transactional
    public boolean applyResult(TaskResult result) {
        Optional<CurrentLease> current = result.specId() == null || result.taskId() == null
                ? Optional.empty()
                : tasks.lockWithCurrentLease(result.specId(), result.taskId());
        if (current.isEmpty() || !current.get().isHeldBy(result.leaseId(), result.fencingToken())) {
            counters.increment(Counter.STALE_RESULTS, 1);
            LOG.infof("stale result for %s/%s from %s: token %d, current %s", result.specId(), result.taskId(),
                    result.nodeName(), result.fencingToken(), currentToken(current));
            return false;
        }
        CurrentLease lease = current.get();
        TaskState state = result.succeeded() ? TaskState.SUCCEEDED : TaskState.FAILED;
        FailureClass failureClass = result.succeeded() ? null
                : result.failureClass() != null ? result.failureClass() : FailureClass.AGENT_ERROR;
        leases.end(lease.leaseId(), result.succeeded() ? LeaseOutcome.SUCCEEDED : LeaseOutcome.FAILED);
        nodes.releaseSlots(Map.of(lease.nodeName(), 1));
        tasks.setState(result.specId(), result.taskId(), state, failureClass);
        outbox.append(EventType.TASK_STATE_CHANGED, result.specId(), result.taskId(),
                result.specId() + "/" + result.taskId(),
                new TaskStateChanged(result.specId(), result.taskId(), state, lease.attempt(), lease.nodeName(),
                        lease.fencingToken(), failureClass, result.succeeded() ? null : truncate(result.failureDetail())));
        dispatchLoop.wakeAfterCommit();
        return true;
    }

    private static String currentToken(Optional<CurrentLease> current) {
        return current.filter(CurrentLease::leaseOpen).map(c -> String.valueOf(c.fencingToken())).orElse("none");
    }

    static String truncate(String text) {
        if (text == null || text.length() <= MAX_REASON_LENGTH) {
            return text;
        }
        return text.substring(0, MAX_REASON_LENGTH - 1) + "…";
    }
}
