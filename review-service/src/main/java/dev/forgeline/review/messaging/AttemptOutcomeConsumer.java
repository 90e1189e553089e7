package dev.forgeline.review.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.review.service.ReviewService;
import dev.forgeline.support.inbox.InboundEvents;
import io.smallrye.reactive.messaging.annotations.Blocking;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The two streams the review joins: workers' results and the dispatcher's acceptances. Records of different
 * tasks are handled side by side ({@code ordered = false}), so results of different repositories are triaged and
 * merged at the same time; the connector's {@code throttled.ordered=key} keeps the records of one key (one task,
 * {@code specId/taskId}) in their order on each stream. Merges into one repository still wait for each other on
 * the lock of its clone, and a result and its acceptance meet under the task's advisory lock.
 */
@ApplicationScoped
public class AttemptOutcomeConsumer {
    private final InboundEvents inboundEvents;
    private final ReviewService reviews;

    public AttemptOutcomeConsumer(InboundEvents inboundEvents, ReviewService reviews) {
        this.inboundEvents = inboundEvents;
        this.reviews = reviews;
    }

    @Incoming("results")
    @Blocking(ordered = false)
    public void onResult(String record) {
        inboundEvents.handleOnce("review-service.results", record, envelope -> {
            if (envelope.eventType() == EventType.TASK_RESULT) {
                reviews.recordResult(envelope.payloadAs(TaskResult.class));
            }
        });
    }

    @Incoming("tasks-lifecycle")
    @Blocking(ordered = false)
    public void onLifecycle(String record) {
        inboundEvents.handleOnce("review-service.tasks-lifecycle", record, envelope -> {
            if (envelope.eventType() == EventType.TASK_STATE_CHANGED) {
                reviews.recordAcceptance(envelope.payloadAs(TaskStateChanged.class));
            }
        });
    }
}
