package dev.forgeline.worker.messaging;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.payload.LeaseRevoked;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.worker.config.WorkerConfig;
import dev.forgeline.worker.lease.WorkerPool;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import org.jboss.logging.Logger;

/**
 * Reads this node's leases and revocations from the dispatcher's lease feed ({@code GET /nodes/{name}/leases}, a
 * long poll) and hands them to the pool, in the order the dispatcher committed them. Only this node's events: what a
 * lease costs this worker does not depend on how many nodes there are. The first read after a start has no position:
 * the dispatcher resumes after what this node's worker acknowledged last, and the pool holds leases until that
 * replay is read ({@link LeaseReplay}). Returns at once per event: attempts run on the pool's threads. No database:
 * the pool drops a lease id it has already seen. While the dispatcher cannot be reached, retries 1 s, doubling, at
 * most 15 s apart.
 */
@ApplicationScoped
public class LeaseConsumer {
    private static final Logger LOG = Logger.getLogger(LeaseConsumer.class);
    private static final long FIRST_RETRY_MILLIS = 1_000;
    private static final long MAX_RETRY_MILLIS = 15_000;

    private final WorkerPool pool;
    private final LeaseReplay replay;
    private final LeaseFeedClient feed;
    private final WorkerConfig config;
    private final Event<LeaseFeedClient.NodeUnknown> nodeUnknown;
    private volatile boolean stopped;
    /** Feed pages read since the start (requests answered), for the worker's own accounting. */
    private final AtomicLong pages = new AtomicLong();
    /** Position in the node's feed; null until the first page (the dispatcher then resumes where we left off). */
    private Long position;

    public LeaseConsumer(
            WorkerPool pool,
            LeaseReplay replay,
            LeaseFeedClient feed,
            WorkerConfig config,
            Event<LeaseFeedClient.NodeUnknown> nodeUnknown) {
        this.pool = pool;
        this.replay = replay;
        this.feed = feed;
        this.config = config;
        this.nodeUnknown = nodeUnknown;
    }

    void onStart(@Observes StartupEvent event) {
        poller().execute(() -> poll(FIRST_RETRY_MILLIS));
    }

    void onStop(@Observes ShutdownEvent event) {
        stopped = true;
    }

    /** Pages of the lease feed read since the start. */
    public long pagesRead() {
        return pages.get();
    }

    private void poll(long retryMillis) {
        long nextRetry;
        try {
            // the replay is read without waiting: an empty first page means there is nothing to replay
            boolean replaying = !replay.caughtUp();
            LeaseFeedClient.Page page = feed.read(position, replaying ? 0 : config.leasePollWaitSeconds());
            pages.incrementAndGet();
            for (LeaseFeedClient.Event event : page.events()) {
                onLease(event.envelope());
            }
            position = page.next();
            replay.pageRead(page.events().size(), page.more());
            nextRetry = -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (LeaseFeedClient.NodeNotRegistered e) {
            // before the first registration went through, or the dispatcher lost the node (its database restored
            // from an older state): register again, which the dispatcher needs before it counts our heartbeats
            LOG.warnf("%s; registering again, retrying the feed in %d ms", e.getMessage(), retryMillis);
            nodeUnknown.fire(new LeaseFeedClient.NodeUnknown(config.nodeName()));
            nextRetry = retryMillis;
        } catch (Exception e) {
            LOG.warnf("lease feed of node %s not read (%s); retrying in %d ms", config.nodeName(), e, retryMillis);
            nextRetry = retryMillis;
        }
        if (stopped) {
            return;
        }
        if (nextRetry < 0) {
            poller().execute(() -> poll(FIRST_RETRY_MILLIS));
        } else {
            poller().schedule(
                            () -> poll(Math.min(retryMillis * 2, MAX_RETRY_MILLIS)), nextRetry, TimeUnit.MILLISECONDS);
        }
    }

    /** One poll at a time, each on a worker thread of the application's pool (a long poll holds one). */
    private static ScheduledExecutorService poller() {
        return Infrastructure.getDefaultWorkerPool();
    }

    void onLease(String value) {
        Envelope envelope;
        try {
            envelope = EventCodec.decode(value);
        } catch (RuntimeException e) {
            // one bad event must not stop the feed: it is skipped, and said so
            LOG.errorf("lease feed event of node %s skipped, it cannot be decoded: %s", config.nodeName(), e);
            return;
        }
        switch (envelope.eventType()) {
            case TASK_LEASED -> pool.offer(envelope.payloadAs(TaskLeased.class), envelope);
            case LEASE_REVOKED -> pool.revoke(envelope.payloadAs(LeaseRevoked.class));
            default -> {
                // other types are not the worker's
            }
        }
    }
}
