package dev.forgeline.review.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.review.service.ReviewService;
import dev.forgeline.support.inbox.InboundEvents;
import io.smallrye.common.annotation.Blocking;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** The two streams the review joins: workers' results and the dispatcher's acceptances. */
@ApplicationScoped
public class AttemptOutcomeConsumer {
    private final InboundEvents inboundEvents;
    private final ReviewService reviews;

    public AttemptOutcomeConsumer(InboundEvents inboundEvents, ReviewService reviews) {
        this.inboundEvents = inboundEvents;
        this.reviews = reviews;
    }

    @Incoming("results")
    @Blocking
    public void onResult(String record) {
        inboundEvents.handleOnce("review-service.results", record, envelope -> {
            if (envelope.eventType() == EventType.TASK_RESULT) {
                reviews.recordResult(envelope.payloadAs(TaskResult.class));
            }
        });
    }

    @Incoming("tasks-lifecycle")
    @Blocking
    public void onLifecycle(String record) {
        inboundEvents.handleOnce("review-service.tasks-lifecycle", record, envelope -> {
            if (envelope.eventType() == EventType.TASK_STATE_CHANGED) {
                reviews.recordAcceptance(envelope.payloadAs(TaskStateChanged.class));
            }
        });
    }
}
