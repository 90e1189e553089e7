package dev.forgeline.dispatcher.supervision;

import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.dispatcher.config.DispatcherConfig;
import io.quarkus.scheduler.Scheduled;
import org.jboss.logging.Logger;

/**
 * Runs the lease supervisor every second (batch after batch while batches are full), the sweeper every
 * {@code sweep-interval}. Breakers are evaluated by the dispatch loop (sub-second). Neither judges anything until
 * {@link SupervisionStart} allows it after a start.
 */
@ApplicationScoped
public class SupervisionSchedule {
    private static final Logger LOG = Logger.getLogger(SupervisionSchedule.class);

    private final LeaseSupervisor supervisor;
    private final DispatcherConfig config;
    private final SupervisionStart start;

    public SupervisionSchedule(LeaseSupervisor supervisor, DispatcherConfig config, SupervisionStart start) {
        this.supervisor = supervisor;
        this.config = config;
        this.start = start;
    }

    @Scheduled(every = "1s", delayed = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void supervise() {
        if (!start.mayJudge()) {
            return;
        }
        try {
            supervisor.declareSilentNodesDead();
            while (supervisor.superviseOnce() >= config.batchSize()) {
                // a full batch means more leases may have expired
            }
        } catch (RuntimeException e) {
            LOG.warnf("lease supervision failed, retrying in a second: %s", e.getMessage());
        }
    }

    @Scheduled(
            every = "${forgeline.dispatcher.sweep-interval}",
            delayed = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        if (!start.mayJudge()) {
            return;
        }
        try {
            supervisor.sweep();
            supervisor.flagUnschedulable();
            supervisor.raiseUnplaceable();
        } catch (RuntimeException e) {
            LOG.warnf("sweep failed, retrying at the next one: %s", e.getMessage());
        }
    }
}
