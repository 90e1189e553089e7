package dev.forgeline.dispatcher.service;

import dev.forgeline.dispatcher.config.DispatcherConfig;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/** Runs the lease supervisor every second, batch after batch while batches are full. */
@ApplicationScoped
public class SupervisionSchedule {
    private static final Logger LOG = Logger.getLogger(SupervisionSchedule.class);

    private final LeaseSupervisor supervisor;
    private final DispatcherConfig config;

    public SupervisionSchedule(LeaseSupervisor supervisor, DispatcherConfig config) {
        this.supervisor = supervisor;
        this.config = config;
    }

    @Scheduled(every = "1s", delayed = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void supervise() {
        try {
            while (supervisor.superviseOnce() >= config.batchSize()) {
                // a full batch means more leases may have expired
            }
        } catch (RuntimeException e) {
            LOG.warnf("lease supervision failed, retrying in a second: %s", e.getMessage());
        }
    }
}
