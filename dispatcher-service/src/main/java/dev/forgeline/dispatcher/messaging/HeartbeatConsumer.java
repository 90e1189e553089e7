package dev.forgeline.dispatcher.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.payload.Heartbeat;
import dev.forgeline.contracts.payload.NodeHeartbeat;
import dev.forgeline.dispatcher.service.LeaseOutcomeService;
import dev.forgeline.dispatcher.service.NodeService;
import io.smallrye.common.annotation.Blocking;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * forgeline.worker.heartbeats: WORKER_HEARTBEAT (an attempt is alive) and NODE_HEARTBEAT (a node is alive).
 * Heartbeats are the most frequent event and applying one twice is harmless, so they skip the processed_event
 * bookkeeping of InboundEvents. Other types on the topic are skipped. Every record applied (or failed to the
 * dead-letter queue) moves the catch-up after a start forward.
 */
@ApplicationScoped
public class HeartbeatConsumer {
    private static final Logger LOG = Logger.getLogger(HeartbeatConsumer.class);

    private final LeaseOutcomeService leaseOutcomes;
    private final NodeService nodes;
    private final HeartbeatCatchUp catchUp;

    public HeartbeatConsumer(LeaseOutcomeService leaseOutcomes, NodeService nodes, HeartbeatCatchUp catchUp) {
        this.leaseOutcomes = leaseOutcomes;
        this.nodes = nodes;
        this.catchUp = catchUp;
    }

    @Incoming("heartbeats")
    @Blocking
    public void onHeartbeat(ConsumerRecord<String, String> record) {
        try {
            Envelope envelope = EventCodec.decode(record.value());
            switch (envelope.eventType()) {
                case WORKER_HEARTBEAT ->
                    leaseOutcomes.applyHeartbeat(
                            envelope.specId(), envelope.taskId(), envelope.payloadAs(Heartbeat.class));
                case NODE_HEARTBEAT -> nodes.applyNodeHeartbeat(envelope.payloadAs(NodeHeartbeat.class));
                default -> LOG.debugf("%s on the heartbeats topic skipped", envelope.type());
            }
        } finally {
            // a record that fails goes to the dead-letter queue: either way the consumer is past it
            catchUp.applied(record.topic(), record.partition(), record.offset());
        }
    }
}
