package dev.forgeline.worker.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.payload.LeaseRevoked;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.worker.service.WorkerPool;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.annotations.Blocking;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Reads every lease and revocation (each worker has its own consumer group) and hands them to the pool, which
 * keeps this node's and learns every task's current fencing token from all of them. Returns at once: attempts run
 * on the pool's threads, not on the consumer's. No database, hence no transaction and no processed-event table:
 * the pool drops a lease id it has already seen.
 */
@ApplicationScoped
public class LeaseConsumer {
    private final WorkerPool pool;
    private final LeaseReplay replay;

    public LeaseConsumer(WorkerPool pool, @Identifier(LeaseReplay.NAME) LeaseReplay replay) {
        this.pool = pool;
        this.replay = replay;
    }

    @Incoming("leases")
    @Blocking
    public void onLease(ConsumerRecord<String, String> record) {
        try {
            onLease(record.value());
        } finally {
            replay.consumed(record.topic(), record.partition(), record.offset());
        }
    }

    void onLease(String value) {
        Envelope envelope = EventCodec.decode(value);
        switch (envelope.eventType()) {
            case TASK_LEASED -> pool.offer(envelope.payloadAs(TaskLeased.class), envelope);
            case LEASE_REVOKED -> pool.revoke(envelope.payloadAs(LeaseRevoked.class));
            default -> {
                // other types on this topic are not the worker's
            }
        }
    }
}
