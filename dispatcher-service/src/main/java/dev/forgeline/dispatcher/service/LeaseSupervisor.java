package dev.forgeline.dispatcher.service;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.dispatcher.config.DispatcherConfig;
import dev.forgeline.dispatcher.domain.Counter;
import dev.forgeline.dispatcher.domain.LeaseOutcome;
import dev.forgeline.dispatcher.repository.CounterRepository;
import dev.forgeline.dispatcher.repository.LeaseRepository;
import dev.forgeline.dispatcher.repository.LeaseRepository.ExpiredLease;
import dev.forgeline.dispatcher.repository.NodeRepository;
import dev.forgeline.dispatcher.repository.TaskRepository;
import dev.forgeline.dispatcher.repository.TaskRepository.Expiry;
import dev.forgeline.support.outbox.Outbox;
import dev.forgeline.support.outbox.Outbox.Event;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Ends leases whose worker went silent (ORPHANED: no heartbeat for missed-heartbeats intervals) or ran past the
 * deadline (TIMEOUT). The slot is freed and the task goes back to READY for another attempt with a new, higher
 * fencing token, or FAILED once it has used max-attempts.
 */
@ApplicationScoped
public class LeaseSupervisor {
    private static final Logger LOG = Logger.getLogger(LeaseSupervisor.class);

    private final LeaseRepository leases;
    private final TaskRepository tasks;
    private final NodeRepository nodes;
    private final CounterRepository counters;
    private final Outbox outbox;
    private final DispatchLoop dispatchLoop;
    private final DispatcherConfig config;

    public LeaseSupervisor(LeaseRepository leases, TaskRepository tasks, NodeRepository nodes,
            CounterRepository counters, Outbox outbox, DispatchLoop dispatchLoop, DispatcherConfig config) {
        this.leases = leases;
        this.tasks = tasks;
        this.nodes = nodes;
        this.counters = counters;
        this.outbox = outbox;
        this.dispatchLoop = dispatchLoop;
        this.config = config;
    }

    /** The silence after which a lease is orphaned. */
    public Duration orphanAfter() {
        return config.heartbeatInterval().multipliedBy(config.missedHeartbeats());
    }

    /**
     * Ends up to one batch of expired leases in one transaction.
     *
     * @return leases ended
     */
    @Transactional
    public int superviseOnce() {
        List<ExpiredLease> expired = leases.lockExpired(orphanAfter(), config.batchSize());
        if (expired.isEmpty()) {
            return 0;
        }
        List<Expiry> expiries = new ArrayList<>(expired.size());
        Map<String, Integer> freedByNode = new HashMap<>();
        long orphaned = 0;
        long timedOut = 0;
        for (ExpiredLease lease : expired) {
            boolean retry = lease.attemptsUsed() < config.maxAttempts();
            FailureClass failureClass = lease.outcome().failureClass();
            expiries.add(new Expiry(lease.specId(), lease.taskId(), retry ? TaskState.READY : TaskState.FAILED,
                    failureClass));
            freedByNode.merge(lease.nodeName(), 1, Integer::sum);
            if (lease.outcome() == LeaseOutcome.ORPHANED) {
                orphaned++;
            } else {
                timedOut++;
            }
        }
        leases.endAll(expired);
        nodes.releaseSlots(freedByNode);
        tasks.applyExpiries(expiries);
        List<Event> events = new ArrayList<>(expired.size());
        for (int i = 0; i < expired.size(); i++) {
            ExpiredLease lease = expired.get(i);
            Expiry expiry = expiries.get(i);
            String reason = reason(lease) + (expiry.state() == TaskState.READY ? "; retrying"
                    : "; no attempts left (" + lease.attemptsUsed() + " of " + config.maxAttempts() + ")");
            LOG.infof("lease %s of %s/%s (token %d, attempt %d) %s: %s", lease.id(), lease.specId(), lease.taskId(),
                    lease.fencingToken(), lease.attempt(), lease.outcome(), reason);
            events.add(new Event(EventType.TASK_STATE_CHANGED, lease.specId(), lease.taskId(),
                    lease.specId() + "/" + lease.taskId(),
                    new TaskStateChanged(lease.specId(), lease.taskId(), expiry.state(), lease.attempt(),
                            lease.nodeName(), lease.fencingToken(), expiry.failureClass(), reason),
                    lease.traceContext()));
        }
        outbox.appendAll(events);
        counters.increment(Counter.ORPHANED, orphaned);
        counters.increment(Counter.TIMED_OUT, timedOut);
        dispatchLoop.wakeAfterCommit();
        return expired.size();
    }

    private String reason(ExpiredLease lease) {
        if (lease.outcome() == LeaseOutcome.TIMEOUT) {
            return "attempt on " + lease.nodeName() + " passed its deadline " + lease.deadline();
        }
        return "no heartbeat from " + lease.nodeName() + " since " + lease.lastSignOfLife() + " ("
                + config.missedHeartbeats() + " intervals of " + config.heartbeatInterval().toMillis() + " ms missed)";
    }
}
