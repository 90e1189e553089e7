package dev.forgeline.worker.messaging;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.TaskProposal;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/** Sends TASK_PROPOSED events (key {@code specId/parentTaskId}) and waits for the broker's acknowledgement. */
@ApplicationScoped
public class ProposalPublisher {
    private static final Logger LOG = Logger.getLogger(ProposalPublisher.class);
    private final Emitter<String> emitter;

    public ProposalPublisher(@Channel("proposals") Emitter<String> emitter) {
        this.emitter = emitter;
    }

    /** @return whether the broker acknowledged it (tried 3 times) */
    public boolean publish(TaskProposal proposal, Map<String, String> traceContext) throws InterruptedException {
        String key = Topics.key(proposal.specId(), proposal.parentTaskId());
        String value = EventCodec.encode(Envelope.of(
                EventType.TASK_PROPOSED, proposal.specId(), proposal.parentTaskId(), proposal, traceContext));
        for (int attempt = 1; attempt <= 3; attempt++) {
            CompletableFuture<Void> acknowledged = new CompletableFuture<>();
            try {
                emitter.send(Message.of(
                        value,
                        Metadata.of(OutgoingKafkaRecordMetadata.<String>builder()
                                .withKey(key)
                                .build()),
                        () -> {
                            acknowledged.complete(null);
                            return CompletableFuture.completedFuture(null);
                        },
                        failure -> {
                            acknowledged.completeExceptionally(failure);
                            return CompletableFuture.completedFuture(null);
                        }));
                acknowledged.get(30, TimeUnit.SECONDS);
                return true;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                LOG.warnf(
                        "proposal %s not acknowledged, try %d of 3: %s", proposal.proposalId(), attempt, e.toString());
            }
        }
        return false;
    }
}
