package dev.forgeline.worker.messaging;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.payload.Heartbeat;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.worker.attempt.AttemptProgress;
import dev.forgeline.worker.config.WorkerConfig;
import dev.forgeline.worker.node.ContactMonitor;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/**
 * Sends the heartbeats of running attempts, keyed by node name. Fire and forget: a lost heartbeat is made good
 * by the next one.
 */
@ApplicationScoped
public class HeartbeatPublisher {
    private static final Logger LOG = Logger.getLogger(HeartbeatPublisher.class);
    private final Emitter<String> emitter;
    private final String nodeName;
    private final ContactMonitor contact;

    public HeartbeatPublisher(
            @Channel("heartbeats") Emitter<String> emitter, WorkerConfig config, ContactMonitor contact) {
        this.emitter = emitter;
        this.nodeName = config.nodeName();
        this.contact = contact;
    }

    /** Sends one envelope keyed by node name; the broker's acknowledgement counts as contact. */
    public void send(Envelope envelope) {
        emitter.send(Message.of(
                EventCodec.encode(envelope),
                Metadata.of(OutgoingKafkaRecordMetadata.<String>builder()
                        .withKey(nodeName)
                        .build()),
                () -> {
                    contact.recordContact();
                    return CompletableFuture.completedFuture(null);
                },
                failure -> {
                    LOG.debugf("heartbeat not acknowledged: %s", failure.toString());
                    return CompletableFuture.completedFuture(null);
                }));
    }

    /** Never throws: it runs on a timer whose later runs must not be cancelled by one failure. */
    public void publish(AttemptProgress progress, Map<String, String> traceContext) {
        TaskLeased lease = progress.lease();
        try {
            Heartbeat heartbeat = new Heartbeat(
                    nodeName,
                    lease.task().taskId(),
                    lease.leaseId(),
                    lease.fencingToken(),
                    lease.attempt(),
                    progress.elapsedMillis(),
                    progress.phase().name(),
                    progress.lastOutputLine(),
                    progress.tokensSoFar());
            Envelope envelope = Envelope.of(
                    EventType.WORKER_HEARTBEAT,
                    lease.task().specId(),
                    lease.task().taskId(),
                    heartbeat,
                    traceContext);
            send(envelope);
        } catch (RuntimeException e) {
            LOG.warnf(
                    "heartbeat for %s/%s not sent: %s",
                    lease.task().specId(), lease.task().taskId(), e.getMessage());
        }
    }
}
