package dev.forgeline.metrics.messaging;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.metrics.service.MetricsService;
import dev.forgeline.support.inbox.InboundEvents;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** Listens to every Forgeline topic; a redelivered event is dropped by its event id. */
@ApplicationScoped
public class TaskEventsConsumer {
    private final InboundEvents inboundEvents;
    private final MetricsService metrics;

    public TaskEventsConsumer(InboundEvents inboundEvents, MetricsService metrics) {
        this.inboundEvents = inboundEvents;
        this.metrics = metrics;
    }

    @Incoming("tasks-ready")
    @Blocking
    public void onTaskReady(String record) {
        inboundEvents.handleOnce("metrics-service.tasks-ready", record, envelope -> {
            if (envelope.eventType() == EventType.TASK_READY) {
                metrics.onReady(envelope.payloadAs(TaskReady.class), occurredAt(envelope.occurredAt()));
            }
        });
    }

    @Incoming("tasks-lifecycle")
    @Blocking
    public void onLifecycle(String record) {
        inboundEvents.handleOnce("metrics-service.tasks-lifecycle", record, envelope -> {
            if (envelope.eventType() == EventType.TASK_STATE_CHANGED) {
                metrics.onStateChanged(envelope.payloadAs(TaskStateChanged.class));
            }
        });
    }

    @Incoming("results")
    @Blocking
    public void onResult(String record) {
        inboundEvents.handleOnce("metrics-service.results", record, envelope -> {
            if (envelope.eventType() == EventType.TASK_RESULT) {
                metrics.onResult(envelope.payloadAs(TaskResult.class));
            }
        });
    }

    @Incoming("review-outcomes")
    @Blocking
    public void onReviewOutcome(String record) {
        inboundEvents.handleOnce("metrics-service.review-outcomes", record, envelope -> {
            if (envelope.eventType() == EventType.REVIEW_OUTCOME) {
                metrics.onReviewOutcome(envelope.payloadAs(ReviewOutcome.class), occurredAt(envelope.occurredAt()));
            }
        });
    }

    private static Instant occurredAt(Instant occurredAt) {
        return occurredAt == null ? Instant.now() : occurredAt;
    }
}
