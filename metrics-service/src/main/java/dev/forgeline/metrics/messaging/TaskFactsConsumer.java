package dev.forgeline.metrics.messaging;

import java.time.Instant;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.payload.BreakerChanged;
import dev.forgeline.contracts.payload.DecisionRecorded;
import dev.forgeline.contracts.payload.ReviewBacklog;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.metrics.service.MetricsService;
import dev.forgeline.support.inbox.InboundEvents;
import io.smallrye.common.annotation.Blocking;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Listens to every Forgeline topic that carries facts; a redelivered event is dropped by its event id. A topic may
 * carry several event types: each handler takes the types it measures and skips the others.
 */
@ApplicationScoped
public class TaskFactsConsumer {
    private final InboundEvents inboundEvents;
    private final MetricsService metrics;

    public TaskFactsConsumer(InboundEvents inboundEvents, MetricsService metrics) {
        this.inboundEvents = inboundEvents;
        this.metrics = metrics;
    }

    @Incoming("tasks-ready")
    @Blocking
    public void onTaskReady(String record) {
        inboundEvents.handleOnce("metrics-service.tasks-ready", record, envelope -> {
            switch (envelope.eventType()) {
                case TASK_READY -> metrics.onReady(envelope.payloadAs(TaskReady.class), occurredAt(envelope));
                default -> {}
            }
        });
    }

    @Incoming("tasks-leased")
    @Blocking
    public void onTaskLeased(String record) {
        inboundEvents.handleOnce("metrics-service.tasks-leased", record, envelope -> {
            switch (envelope.eventType()) {
                case TASK_LEASED -> metrics.onLeased(envelope.payloadAs(TaskLeased.class), occurredAt(envelope));
                default -> {
                    // LEASE_REVOKED: the attempt's end arrives as its result and FAILED state
                }
            }
        });
    }

    @Incoming("tasks-lifecycle")
    @Blocking
    public void onLifecycle(String record) {
        inboundEvents.handleOnce("metrics-service.tasks-lifecycle", record, envelope -> {
            switch (envelope.eventType()) {
                case TASK_STATE_CHANGED ->
                    metrics.onStateChanged(envelope.payloadAs(TaskStateChanged.class), occurredAt(envelope));
                default -> {}
            }
        });
    }

    @Incoming("results")
    @Blocking
    public void onResult(String record) {
        inboundEvents.handleOnce("metrics-service.results", record, envelope -> {
            switch (envelope.eventType()) {
                case TASK_RESULT -> metrics.onResult(envelope.payloadAs(TaskResult.class), occurredAt(envelope));
                default -> {}
            }
        });
    }

    @Incoming("review-outcomes")
    @Blocking
    public void onReviewOutcome(String record) {
        inboundEvents.handleOnce("metrics-service.review-outcomes", record, envelope -> {
            switch (envelope.eventType()) {
                case REVIEW_OUTCOME ->
                    metrics.onReviewOutcome(envelope.payloadAs(ReviewOutcome.class), occurredAt(envelope));
                default -> {}
            }
        });
    }

    @Incoming("decisions")
    @Blocking
    public void onDecision(String record) {
        inboundEvents.handleOnce("metrics-service.decisions", record, envelope -> {
            switch (envelope.eventType()) {
                case DECISION_RECORDED -> metrics.onDecision(envelope.payloadAs(DecisionRecorded.class));
                default -> {}
            }
        });
    }

    @Incoming("review-backlog")
    @Blocking
    public void onReviewBacklog(String record) {
        inboundEvents.handleOnce("metrics-service.review-backlog", record, envelope -> {
            switch (envelope.eventType()) {
                case REVIEW_BACKLOG ->
                    metrics.onReviewBacklog(envelope.payloadAs(ReviewBacklog.class), occurredAt(envelope));
                default -> {}
            }
        });
    }

    @Incoming("fleet-events")
    @Blocking
    public void onFleetEvent(String record) {
        inboundEvents.handleOnce("metrics-service.fleet-events", record, envelope -> {
            switch (envelope.eventType()) {
                case BREAKER_CHANGED ->
                    metrics.onBreakerChanged(envelope.payloadAs(BreakerChanged.class), occurredAt(envelope));
                default -> {}
            }
        });
    }

    private static Instant occurredAt(Envelope envelope) {
        return envelope.occurredAt() == null ? Instant.now() : envelope.occurredAt();
    }
}
