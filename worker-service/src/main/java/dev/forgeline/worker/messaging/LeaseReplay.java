package dev.forgeline.worker.messaging;

import java.lang.management.ManagementFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.forgeline.worker.lease.WorkerPool;
import org.jboss.logging.Logger;

/**
 * Tells the pool when the lease feed has been read, after a start, up to where it ended at the first read: the part
 * a restarted worker replays (what it had not acknowledged before it stopped). Until then the pool holds leases
 * instead of running them, so that a revocation or a later lease further on in the replay is seen first.
 */
@ApplicationScoped
public class LeaseReplay {
    private static final Logger LOG = Logger.getLogger(LeaseReplay.class);

    private final Runnable onCaughtUp;
    private boolean firstPage = true;
    private boolean caughtUp;

    @Inject
    public LeaseReplay(WorkerPool pool) {
        this(pool::replayCaughtUp);
    }

    /** @param onCaughtUp called once, when the replayed part has been read */
    public LeaseReplay(Runnable onCaughtUp) {
        this.onCaughtUp = onCaughtUp;
    }

    /**
     * A page of the feed has been handled.
     *
     * @param events how many events it held
     * @param more   whether the dispatcher had more waiting than the page held
     */
    public void pageRead(int events, boolean more) {
        synchronized (this) {
            if (firstPage) {
                firstPage = false;
                LOG.infof(
                        "lease feed first read %d ms after the worker's JVM started: %d events%s",
                        ManagementFactory.getRuntimeMXBean().getUptime(), events, more ? ", more to replay" : "");
            }
            if (caughtUp || more) {
                return;
            }
            caughtUp = true;
        }
        LOG.info("leases replayed since the start are read: new leases run as they come");
        onCaughtUp.run();
    }

    public synchronized boolean caughtUp() {
        return caughtUp;
    }
}
