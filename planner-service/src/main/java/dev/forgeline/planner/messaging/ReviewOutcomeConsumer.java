package dev.forgeline.planner.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.planner.service.TaskProgressService;
import dev.forgeline.support.inbox.InboundEvents;
import io.smallrye.common.annotation.Blocking;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** The review service's decisions ({@code forgeline.review.outcomes}); a merge releases dependents. */
@ApplicationScoped
public class ReviewOutcomeConsumer {
    static final String CONSUMER = "planner-service.review-outcomes";
    private static final Logger LOG = Logger.getLogger(ReviewOutcomeConsumer.class);

    private final InboundEvents inboundEvents;
    private final TaskProgressService progress;

    public ReviewOutcomeConsumer(InboundEvents inboundEvents, TaskProgressService progress) {
        this.inboundEvents = inboundEvents;
        this.progress = progress;
    }

    @Incoming("review-outcomes")
    @Blocking
    public void onReviewOutcome(String record) {
        inboundEvents.handleOnce(CONSUMER, record, envelope -> {
            if (!EventType.REVIEW_OUTCOME.wireName().equals(envelope.type())) {
                LOG.warnf("event %s of type %s on the review topic ignored", envelope.eventId(), envelope.type());
                return;
            }
            progress.onReviewOutcome(envelope.payloadAs(ReviewOutcome.class));
        });
    }
}
