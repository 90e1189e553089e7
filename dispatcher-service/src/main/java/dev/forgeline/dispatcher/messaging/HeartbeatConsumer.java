package dev.forgeline.dispatcher.messaging;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.payload.Heartbeat;
import dev.forgeline.dispatcher.service.LeaseOutcomeService;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * forgeline.worker.heartbeats. Heartbeats are the most frequent event and applying one twice is harmless, so
 * they skip the processed_event bookkeeping of InboundEvents.
 */
@ApplicationScoped
public class HeartbeatConsumer {
    private final LeaseOutcomeService leaseOutcomes;

    public HeartbeatConsumer(LeaseOutcomeService leaseOutcomes) {
        this.leaseOutcomes = leaseOutcomes;
    }

    @Incoming("heartbeats")
    @Blocking
    @Transactional
    public void onHeartbeat(String record) {
        Envelope envelope = EventCodec.decode(record);
        leaseOutcomes.applyHeartbeat(envelope.specId(), envelope.taskId(), envelope.payloadAs(Heartbeat.class));
    }
}
