package dev.forgeline.worker.lease;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.payload.TaskLeased;
import org.jboss.logging.Logger;

/**
 * Holds this node's leases after a start, instead of running them, until two things are done: the previous run's
 * abandoned attempts have been cleaned up ({@link #recovered()}), and the node's lease feed has been read up to where
 * it ended at the first read ({@link #caughtUp()}), the part a restarted worker replays. By
 * then every revocation and later lease in that part has reached the {@link LeaseFence}, so a replayed lease the
 * dispatcher has already ended is dropped here and never starts an agent. Opened once, the gate stays open.
 */
final class LeaseGate {
    private static final Logger LOG = Logger.getLogger(LeaseGate.class);

    /** A lease read before the gate opened. */
    private record Held(TaskLeased lease, Envelope envelope, Instant since) {}

    private final LeaseFence fence;
    private final BiConsumer<TaskLeased, Envelope> start;
    private final List<Held> held = new ArrayList<>();
    private boolean recovered;
    private boolean caughtUp;
    private boolean open;

    /** @param start runs a lease that is let through */
    LeaseGate(LeaseFence fence, BiConsumer<TaskLeased, Envelope> start) {
        this.fence = fence;
        this.start = start;
    }

    /** Runs the lease now if the gate is open, or holds it. */
    void offer(TaskLeased lease, Envelope envelope, Instant now) {
        synchronized (this) {
            if (!open) {
                held.add(new Held(lease, envelope, now));
                LOG.infof(
                        "lease %s for %s/%s held until %s",
                        lease.leaseId(),
                        lease.task().specId(),
                        lease.task().taskId(),
                        recovered
                                ? "the leases replayed since the start are read"
                                : "the previous run's abandoned attempts are cleaned up");
                return;
            }
        }
        start.accept(lease, envelope);
    }

    void recovered() {
        synchronized (this) {
            recovered = true;
        }
        release(false);
    }

    void caughtUp() {
        synchronized (this) {
            caughtUp = true;
        }
        release(false);
    }

    synchronized boolean open() {
        return open;
    }

    /**
     * A safety net should the end of the replay never be seen (say the topic's last offsets are transaction
     * markers): once cleaned up, a lease held longer than {@code maxHold} opens the gate.
     */
    void releaseIfHeldLongerThan(Duration maxHold, Instant now) {
        boolean tooLong;
        synchronized (this) {
            tooLong = !open
                    && recovered
                    && !held.isEmpty()
                    && held.get(0).since().plus(maxHold).isBefore(now);
        }
        if (tooLong) {
            LOG.warnf(
                    "leases held for %d s without the replay being read to its end: running them", maxHold.toSeconds());
            release(true);
        }
    }

    /** Opens the gate once both conditions hold and runs the held leases that are still current. */
    private void release(boolean force) {
        List<Held> toStart;
        synchronized (this) {
            if (open || !recovered || !(caughtUp || force)) {
                return;
            }
            open = true;
            toStart = List.copyOf(held);
            held.clear();
        }
        LOG.infof("replay read and abandoned attempts cleaned up: %d held leases considered", toStart.size());
        for (Held h : toStart) {
            Optional<String> stale = fence.staleReason(h.lease(), Instant.now());
            if (stale.isPresent()) {
                LOG.infof(
                        "held lease %s for %s/%s (fencing token %d) dropped: %s",
                        h.lease().leaseId(),
                        h.lease().task().specId(),
                        h.lease().task().taskId(),
                        h.lease().fencingToken(),
                        stale.get());
            } else {
                start.accept(h.lease(), h.envelope());
            }
        }
    }
}
