package dev.forgeline.dispatcher;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.forgeline.testsupport.TestKafka;

/**
 * Heartbeats every open lease of one node every 250 ms with its right token, as a live worker would, so that
 * the test profile's 1 s heartbeat interval does not orphan leases a test still needs.
 */
final class FakeWorker implements AutoCloseable {
    private final TestKafka kafka;
    private final Db db;
    private final String nodeName;
    private final Set<UUID> finished = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "fake-worker");
        thread.setDaemon(true);
        return thread;
    });

    FakeWorker(TestKafka kafka, Db db, String nodeName) {
        this.kafka = kafka;
        this.db = db;
        this.nodeName = nodeName;
        executor.scheduleWithFixedDelay(this::beat, 0, 250, TimeUnit.MILLISECONDS);
    }

    /** Stops heartbeating a lease; once this returns no further heartbeat for it is published. */
    void finish(UUID leaseId) {
        finished.add(leaseId);
        try {
            // the executor has one thread: this runs after any beat in progress
            executor.submit(() -> {}).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    private void beat() {
        try {
            for (Db.LeaseRow lease : db.openLeasesOfNode(nodeName)) {
                if (!finished.contains(lease.id())) {
                    Fixtures.publishHeartbeat(kafka, lease, lease.fencingToken());
                }
            }
        } catch (RuntimeException e) {
            // a missed beat is what the supervisor is for; keep beating
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
