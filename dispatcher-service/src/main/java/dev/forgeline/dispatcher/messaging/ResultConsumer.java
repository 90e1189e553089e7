package dev.forgeline.dispatcher.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.dispatcher.lease.LeaseOutcomeService;
import dev.forgeline.support.inbox.InboundEvents;
import io.smallrye.reactive.messaging.annotations.Blocking;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** forgeline.tasks.results: outcomes of attempts. */
@ApplicationScoped
public class ResultConsumer {
    static final String CONSUMER = "dispatcher-service.results";

    private final InboundEvents inboundEvents;
    private final LeaseOutcomeService leaseOutcomes;

    public ResultConsumer(InboundEvents inboundEvents, LeaseOutcomeService leaseOutcomes) {
        this.inboundEvents = inboundEvents;
        this.leaseOutcomes = leaseOutcomes;
    }

    @Incoming("results")
    @Blocking
    public void onResult(String record) {
        inboundEvents.handleOnce(
                CONSUMER, record, envelope -> leaseOutcomes.applyResult(envelope.payloadAs(TaskResult.class)));
    }
}
