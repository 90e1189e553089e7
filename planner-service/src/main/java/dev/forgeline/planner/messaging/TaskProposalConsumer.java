package dev.forgeline.planner.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.payload.TaskProposal;
import dev.forgeline.planner.service.ProposalService;
import dev.forgeline.support.inbox.InboundEvents;
import io.smallrye.common.annotation.Blocking;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** Proposed tasks ({@code forgeline.tasks.proposals}): follow-ups, review requests, revert fixes, splits. */
@ApplicationScoped
public class TaskProposalConsumer {
    static final String CONSUMER = "planner-service.tasks-proposals";
    private static final Logger LOG = Logger.getLogger(TaskProposalConsumer.class);

    private final InboundEvents inboundEvents;
    private final ProposalService proposals;

    public TaskProposalConsumer(InboundEvents inboundEvents, ProposalService proposals) {
        this.inboundEvents = inboundEvents;
        this.proposals = proposals;
    }

    @Incoming("tasks-proposals")
    @Blocking
    public void onProposal(String record) {
        inboundEvents.handleOnce(CONSUMER, record, envelope -> {
            if (!EventType.TASK_PROPOSED.wireName().equals(envelope.type())) {
                LOG.debugf("event %s of type %s on the proposals topic skipped", envelope.eventId(), envelope.type());
                return;
            }
            proposals.onProposal(envelope.payloadAs(TaskProposal.class));
        });
    }
}
