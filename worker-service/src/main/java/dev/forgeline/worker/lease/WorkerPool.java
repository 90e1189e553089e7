package dev.forgeline.worker.lease;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.payload.LeaseRevoked;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.support.background.BackgroundWork;
import dev.forgeline.support.tracing.TraceContexts;
import dev.forgeline.worker.attempt.AbandonedAttempts;
import dev.forgeline.worker.attempt.AttemptProgress;
import dev.forgeline.worker.attempt.AttemptRunner;
import dev.forgeline.worker.attempt.RunningAttempts;
import dev.forgeline.worker.config.WorkerConfig;
import dev.forgeline.worker.messaging.HeartbeatPublisher;
import dev.forgeline.worker.messaging.ResultPublisher;
import dev.forgeline.worker.metrics.WorkerMetrics;
import dev.forgeline.worker.node.ContactMonitor;
import dev.forgeline.worker.node.SelfStop;
import dev.forgeline.worker.workspace.Workspaces;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import org.jboss.logging.Logger;

/**
 * Accepts this node's leases and runs them, at most {@code capacity} at a time, each with its heartbeats, then
 * announces the result. Leases are kept in memory only: a lease id already seen is dropped, and so is a lease that
 * is no longer its task's current one ({@link LeaseFence}).
 *
 * <p>After a start, leases are held, not run, until two things are done: the previous run's abandoned attempts
 * have been cleaned up and reported ({@link #recovered}), and the node's lease feed has been read up to where it ended
 * at the first read ({@link #replayCaughtUp}): see {@link LeaseGate}.
 */
@ApplicationScoped
public class WorkerPool {
    private static final Logger LOG = Logger.getLogger(WorkerPool.class);
    private static final int REMEMBERED_LEASES = 10_000;
    /** A lease held longer than this waiting for the replay to be read is run anyway (the gate is opened). */
    static final Duration MAX_HOLD = Duration.ofSeconds(60);

    private final WorkerConfig config;
    private final AttemptRunner attempts;
    private final RunningAttempts running;
    private final HeartbeatPublisher heartbeats;
    private final ResultPublisher results;
    private final TraceContexts traceContexts;
    private final ExecutorService executor;
    private final ScheduledExecutorService heartbeatTimer;
    private final ContactMonitor contact;
    private final WorkerMetrics metrics;
    private final Workspaces workspaces;
    /** Leases accepted but not started yet, by lease id: a revocation must reach them too. */
    private final Map<UUID, AttemptProgress> accepted = new java.util.concurrent.ConcurrentHashMap<>();

    private final LeaseFence fence = new LeaseFence();

    private final LeaseGate gate = new LeaseGate(fence, this::start);

    private final Set<UUID> seenLeases = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
            return size() > REMEMBERED_LEASES;
        }
    });

    public WorkerPool(
            WorkerConfig config,
            AttemptRunner attempts,
            RunningAttempts running,
            HeartbeatPublisher heartbeats,
            ResultPublisher results,
            TraceContexts traceContexts,
            ContactMonitor contact,
            WorkerMetrics metrics,
            Workspaces workspaces,
            BackgroundWork background) {
        this.workspaces = workspaces;
        this.contact = contact;
        this.metrics = metrics;
        this.config = config;
        this.attempts = attempts;
        this.running = running;
        this.heartbeats = heartbeats;
        this.results = results;
        this.traceContexts = traceContexts;
        this.executor = background.pool("attempt", config.capacity());
        this.heartbeatTimer = background.timer("heartbeats");
        heartbeatTimer.scheduleWithFixedDelay(this::superviseContact, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Revocation of a lease of this node: kills the attempt's process tree; the attempt then answers with a result
     * of failure class {@code reason} carrying the revoked fencing token. A revocation whose token is not the one of
     * the lease this worker runs for the task changes nothing.
     *
     * @return whether an attempt was stopped
     */
    public boolean revoke(LeaseRevoked revoked) {
        // a revocation ends its token for the task: an older or equal lease of it must not start
        fence.ended(revoked.specId(), revoked.taskId(), revoked.fencingToken());
        if (!config.nodeName().equals(revoked.nodeName())) {
            return false;
        }
        List<AttemptProgress> ofTask = accepted.values().stream()
                .filter(p -> p.lease().task().specId().equals(revoked.specId())
                        && p.lease().task().taskId().equals(revoked.taskId()))
                .toList();
        AttemptProgress progress = ofTask.stream()
                .filter(p -> p.lease().fencingToken() == revoked.fencingToken())
                .findFirst()
                .orElse(ofTask.isEmpty() ? null : ofTask.get(0));
        if (progress == null || progress.lease().fencingToken() != revoked.fencingToken()) {
            LOG.infof(
                    "revocation of %s/%s (token %d) ignored: %s",
                    revoked.specId(),
                    revoked.taskId(),
                    revoked.fencingToken(),
                    progress == null
                            ? "no such attempt here"
                            : "this worker runs token " + progress.lease().fencingToken());
            return false;
        }
        FailureClass reason = revoked.reason() == null ? FailureClass.CANCELLED : revoked.reason();
        String detail = "lease revoked by the dispatcher (" + reason + ")"
                + (revoked.detail() == null || revoked.detail().isBlank() ? "" : ": " + revoked.detail());
        if (progress.requestStop(reason, detail)) {
            LOG.infof(
                    "lease %s of %s/%s revoked (%s): killing its processes",
                    revoked.leaseId(), revoked.specId(), revoked.taskId(), reason);
            metrics.killed(
                    reason == FailureClass.CANCELLED
                            ? WorkerMetrics.KillReason.CANCEL
                            : reason == FailureClass.TIMEOUT
                                    ? WorkerMetrics.KillReason.TIMEOUT
                                    : WorkerMetrics.KillReason.LEASE_LOST);
        }
        return true;
    }

    /**
     * Self-stop: when the broker has acknowledged no heartbeat for 3 heartbeat intervals of a lease, the dispatcher
     * has declared this node dead and handed the task to someone else, so the attempt's agent is killed.
     */
    void superviseContact() {
        gate.releaseIfHeldLongerThan(MAX_HOLD, Instant.now());
        try {
            Instant now = Instant.now();
            for (AttemptProgress progress : running.list()) {
                if (SelfStop.check(progress, contact, now)) {
                    LOG.warnf(
                            "lost contact with Kafka for %d s: killing the agent of %s/%s",
                            contact.sinceLastContact(now).toSeconds(),
                            progress.lease().task().specId(),
                            progress.lease().task().taskId());
                    metrics.killed(WorkerMetrics.KillReason.SELF_STOP);
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("contact supervision failed: %s", e.getMessage());
        }
    }

    /**
     * Queues a lease if it is this node's and new.
     *
     * @return whether it was accepted
     */
    public boolean offer(TaskLeased lease, Envelope envelope) {
        Optional<String> stale = fence.staleReason(lease, Instant.now());
        // a later token for the task makes an earlier lease stale
        fence.leased(lease);
        if (!config.nodeName().equals(lease.nodeName())) {
            return false;
        }
        synchronized (seenLeases) {
            if (!seenLeases.add(lease.leaseId())) {
                LOG.debugf("lease %s already seen, dropped", lease.leaseId());
                return false;
            }
        }
        if (stale.isPresent()) {
            // a replayed lease the dispatcher has moved on from: running it would only produce a stale result
            LOG.infof(
                    "lease %s for %s/%s (fencing token %d) dropped: %s",
                    lease.leaseId(), lease.task().specId(), lease.task().taskId(), lease.fencingToken(), stale.get());
            return false;
        }
        gate.offer(lease, envelope, Instant.now());
        return true;
    }

    /** A previous run's attempt found abandoned: its lease never runs again here, and its token counts as ended. */
    public void abandoned(TaskLeased lease) {
        fence.ended(lease.task().specId(), lease.task().taskId(), lease.fencingToken());
        synchronized (seenLeases) {
            seenLeases.add(lease.leaseId());
        }
    }

    /** The previous run's abandoned attempts are cleaned up and reported ({@link #abandoned} for each). */
    public void recovered() {
        gate.recovered();
    }

    /** The node's lease feed has been read up to where it ended at the first read (the replay). */
    public void replayCaughtUp() {
        gate.caughtUp();
    }

    /** Whether this process has the lease queued or running. */
    public boolean active(UUID leaseId) {
        return accepted.containsKey(leaseId);
    }

    private void start(TaskLeased lease, Envelope envelope) {
        LOG.infof(
                "lease %s accepted: %s/%s attempt %d (fencing token %d)",
                lease.leaseId(), lease.task().specId(), lease.task().taskId(), lease.attempt(), lease.fencingToken());
        accepted.put(lease.leaseId(), new AttemptProgress(lease));
        try {
            // recorded already while it waits for a slot: should this process die, the next one reports it
            workspaces.recordStart(lease);
        } catch (IOException e) {
            LOG.warnf("attempt record of lease %s not written: %s", lease.leaseId(), e.getMessage());
        }
        executor.execute(() -> runAttempt(lease, envelope));
    }

    private void runAttempt(TaskLeased lease, Envelope envelope) {
        Span span = traceContexts.startConsumerSpan(envelope, "worker-service.attempt");
        try (Scope ignored = span.makeCurrent()) {
            Map<String, String> trace = traceContexts.current();
            AttemptProgress progress = accepted.computeIfAbsent(lease.leaseId(), id -> new AttemptProgress(lease));
            Optional<String> superseded = fence.supersededReason(lease);
            if (superseded.isPresent() && !progress.stopRequested()) {
                // a later lease of the task came while this one waited for a slot: the dispatcher has moved on
                accepted.remove(lease.leaseId());
                workspaces.recordEnd(lease.leaseId());
                LOG.infof("queued lease %s dropped: %s", lease.leaseId(), superseded.get());
                return;
            }
            progress.started();
            running.add(progress);
            ScheduledFuture<?> beats = heartbeatTimer.scheduleAtFixedRate(
                    () -> heartbeats.publish(progress, trace),
                    0,
                    Math.max(1, lease.heartbeatInterval()),
                    TimeUnit.SECONDS);
            TaskResult result;
            try {
                result = attempts.run(lease, progress);
            } catch (RuntimeException e) {
                // a fault of the worker itself, not of the task: reported as lost, so that the dispatcher retries at
                // once rather than after the heartbeats' silence window, and the attempt record does not stay behind
                span.recordException(e);
                LOG.errorf(e, "attempt of lease %s crashed", lease.leaseId());
                result =
                        AbandonedAttempts.lost(lease, config.nodeName(), "the worker failed running the attempt: " + e);
            } finally {
                beats.cancel(false);
                running.remove(progress);
                accepted.remove(lease.leaseId());
            }
            if (result.failureClass() == FailureClass.TIMEOUT && !progress.stopRequested()) {
                metrics.killed(WorkerMetrics.KillReason.TIMEOUT);
            }
            metrics.attemptFinished(result);
            LOG.infof(
                    "attempt %s/%s a%d finished: %s%s",
                    result.specId(),
                    result.taskId(),
                    result.attempt(),
                    result.succeeded() ? "succeeded" : "failed " + result.failureClass(),
                    result.succeeded() ? "" : " (" + result.failureDetail() + ")");
            if (results.publish(result, trace)) {
                workspaces.recordEnd(lease.leaseId());
            }
        } catch (InterruptedException e) {
            accepted.remove(lease.leaseId());
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
}
