package dev.forgeline.dispatcher.messaging;

import java.util.ArrayList;
import java.util.List;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.payload.Heartbeat;
import dev.forgeline.contracts.payload.NodeHeartbeat;
import dev.forgeline.dispatcher.lease.LeaseOutcomeService;
import dev.forgeline.dispatcher.lease.LeaseOutcomeService.AttemptHeartbeat;
import dev.forgeline.dispatcher.lease.LeaseOutcomeService.RecordedHeartbeats;
import dev.forgeline.dispatcher.node.NodeService;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * forgeline.worker.heartbeats: WORKER_HEARTBEAT (an attempt is alive) and NODE_HEARTBEAT (a node is alive).
 * Heartbeats are the most frequent event and applying one twice is harmless, so they skip the processed_event
 * bookkeeping of InboundEvents, and each polled batch is applied in one transaction: one commit per poll, not per
 * heartbeat. Should the batch fail (a bad record), its heartbeats are applied one by one, each in its own
 * transaction, and one that still fails is logged and dropped: the node's next heartbeat says the same. Other types on the topic are skipped. Every record of the batch moves the catch-up after a start
 * forward.
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
    public void onHeartbeats(ConsumerRecords<String, String> records) {
        try {
            List<Envelope> heartbeats = new ArrayList<>(records.count());
            for (ConsumerRecord<String, String> record : records) {
                try {
                    heartbeats.add(EventCodec.decode(record.value()));
                } catch (RuntimeException e) {
                    LOG.warnf(
                            "heartbeat at %s-%d@%d cannot be read, skipped: %s",
                            record.topic(), record.partition(), record.offset(), e.getMessage());
                }
            }
            try {
                applyBatch(heartbeats);
            } catch (RuntimeException batchFailed) {
                LOG.debugf(
                        "a batch of %d heartbeats failed (%s): applied one by one",
                        heartbeats.size(), batchFailed.toString());
                for (Envelope heartbeat : heartbeats) {
                    try {
                        QuarkusTransaction.requiringNew().run(() -> apply(heartbeat));
                    } catch (RuntimeException e) {
                        LOG.warnf(
                                "%s of %s/%s not applied: %s",
                                heartbeat.type(), heartbeat.specId(), heartbeat.taskId(), e.getMessage());
                    }
                }
            }
        } finally {
            // applied or dropped: either way the consumer is past them
            for (ConsumerRecord<String, String> record : records) {
                catchUp.applied(record.topic(), record.partition(), record.offset());
            }
        }
    }

    /**
     * Applies the heartbeats in one transaction of their own, in the lock order of the dispatcher's transactions:
     * the attempts' task and lease rows in (spec, task) order, then every node row the batch writes in name order
     * (the attempts' nodes and the node heartbeats' nodes together), then the counter.
     */
    public void applyBatch(List<Envelope> heartbeats) {
        List<AttemptHeartbeat> attempts = new ArrayList<>();
        List<NodeHeartbeat> nodeHeartbeats = new ArrayList<>();
        for (Envelope envelope : heartbeats) {
            switch (envelope.eventType()) {
                case WORKER_HEARTBEAT ->
                    attempts.add(new AttemptHeartbeat(
                            envelope.specId(), envelope.taskId(), envelope.payloadAs(Heartbeat.class)));
                case NODE_HEARTBEAT -> nodeHeartbeats.add(envelope.payloadAs(NodeHeartbeat.class));
                default -> LOG.debugf("%s on the heartbeats topic skipped", envelope.type());
            }
        }
        QuarkusTransaction.requiringNew().run(() -> {
            RecordedHeartbeats recorded = leaseOutcomes.recordHeartbeats(attempts);
            nodes.applyNodeHeartbeats(nodeHeartbeats, recorded.nodes());
            leaseOutcomes.countStaleHeartbeats(recorded.stale());
        });
    }

    private void apply(Envelope envelope) {
        switch (envelope.eventType()) {
            case WORKER_HEARTBEAT ->
                leaseOutcomes.applyHeartbeat(envelope.specId(), envelope.taskId(), envelope.payloadAs(Heartbeat.class));
            case NODE_HEARTBEAT -> nodes.applyNodeHeartbeat(envelope.payloadAs(NodeHeartbeat.class));
            default -> LOG.debugf("%s on the heartbeats topic skipped", envelope.type());
        }
    }
}
