package dev.forgeline.worker.service;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.support.tracing.TraceContexts;
import dev.forgeline.worker.config.WorkerConfig;
import dev.forgeline.worker.messaging.HeartbeatPublisher;
import dev.forgeline.worker.messaging.ResultPublisher;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Accepts this node's leases and runs them, at most {@code capacity} at a time, each with its heartbeats, then
 * announces the result. Leases are kept in memory only: a lease id already seen is dropped.
 */
@ApplicationScoped
public class WorkerPool {
    private static final Logger LOG = Logger.getLogger(WorkerPool.class);
    private static final int REMEMBERED_LEASES = 10_000;

    private final WorkerConfig config;
    private final AttemptRunner attempts;
    private final RunningAttempts running;
    private final HeartbeatPublisher heartbeats;
    private final ResultPublisher results;
    private final TraceContexts traceContexts;
    private final ExecutorService executor;
    private final ScheduledExecutorService heartbeatTimer;
    private final Set<UUID> seenLeases = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
            return size() > REMEMBERED_LEASES;
        }
    });

    public WorkerPool(WorkerConfig config, AttemptRunner attempts, RunningAttempts running,
            HeartbeatPublisher heartbeats, ResultPublisher results, TraceContexts traceContexts) {
        this.config = config;
        this.attempts = attempts;
        this.running = running;
        this.heartbeats = heartbeats;
        this.results = results;
        this.traceContexts = traceContexts;
        this.executor = Executors.newFixedThreadPool(Math.max(1, config.capacity()), threads("attempt"));
        this.heartbeatTimer = Executors.newSingleThreadScheduledExecutor(threads("heartbeats"));
    }

    /**
     * Queues a lease if it is this node's and new.
     *
     * @return whether it was accepted
     */
    public boolean offer(TaskLeased lease, Envelope envelope) {
        if (!config.nodeName().equals(lease.nodeName())) {
            return false;
        }
        synchronized (seenLeases) {
            if (!seenLeases.add(lease.leaseId())) {
                LOG.debugf("lease %s already seen, dropped", lease.leaseId());
                return false;
            }
        }
        if (lease.deadline() != null && lease.deadline().isBefore(Instant.now())) {
            // a replayed lease the dispatcher has long timed out: running it would only produce a stale result
            LOG.infof("lease %s for %s/%s expired at %s, dropped", lease.leaseId(), lease.task().specId(),
                    lease.task().taskId(), lease.deadline());
            return false;
        }
        LOG.infof("lease %s accepted: %s/%s attempt %d (fencing token %d)", lease.leaseId(), lease.task().specId(),
                lease.task().taskId(), lease.attempt(), lease.fencingToken());
        executor.execute(() -> runAttempt(lease, envelope));
        return true;
    }

    private void runAttempt(TaskLeased lease, Envelope envelope) {
        Span span = traceContexts.startConsumerSpan(envelope, "worker-service.attempt");
        try (Scope ignored = span.makeCurrent()) {
            Map<String, String> trace = traceContexts.current();
            AttemptProgress progress = new AttemptProgress(lease);
            running.add(progress);
            ScheduledFuture<?> beats = heartbeatTimer.scheduleAtFixedRate(() -> heartbeats.publish(progress, trace), 0,
                    Math.max(1, lease.heartbeatInterval()), TimeUnit.SECONDS);
            TaskResult result;
            try {
                result = attempts.run(lease, progress);
            } finally {
                beats.cancel(false);
                running.remove(progress);
            }
            LOG.infof("attempt %s/%s a%d finished: %s%s", result.specId(), result.taskId(), result.attempt(),
                    result.succeeded() ? "succeeded" : "failed " + result.failureClass(),
                    result.succeeded() ? "" : " (" + result.failureDetail() + ")");
            results.publish(result, trace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warnf("attempt of lease %s stopped by shutdown; no result sent", lease.leaseId());
        } catch (RuntimeException e) {
            span.recordException(e);
            LOG.errorf(e, "attempt of lease %s crashed", lease.leaseId());
        } finally {
            span.end();
        }
    }

    @PreDestroy
    void stop() {
        heartbeatTimer.shutdownNow();
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
