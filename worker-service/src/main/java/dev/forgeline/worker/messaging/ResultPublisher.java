package dev.forgeline.worker.messaging;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.TaskResult;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/**
 * Announces attempt results, keyed {@code specId/taskId}, and waits until the broker acknowledged each one: the
 * worker has no outbox, so a result is only done once Kafka has it. Retries with backoff before giving up (the
 * dispatcher then treats the attempt as orphaned).
 */
@ApplicationScoped
public class ResultPublisher {
    private static final Logger LOG = Logger.getLogger(ResultPublisher.class);
    private static final int MAX_TRIES = 5;
    private static final long ACK_TIMEOUT_SECONDS = 30;
    private final Emitter<String> emitter;

    public ResultPublisher(@Channel("results") Emitter<String> emitter) {
        this.emitter = emitter;
    }

    /**
     * @return whether the broker acknowledged the result
     * @throws InterruptedException the worker is shutting down
     */
    public boolean publish(TaskResult result, Map<String, String> traceContext) throws InterruptedException {
        String key = Topics.key(result.specId(), result.taskId());
        String value = EventCodec.encode(
                Envelope.of(EventType.TASK_RESULT, result.specId(), result.taskId(), result, traceContext));
        long backoffMillis = 1_000;
        for (int attempt = 1; attempt <= MAX_TRIES; attempt++) {
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
                acknowledged.get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                return true;
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                LOG.warnf(
                        "result of %s (lease %s) not acknowledged, try %d of %d: %s",
                        key, result.leaseId(), attempt, MAX_TRIES, cause == null ? e : cause.toString());
            }
            if (attempt < MAX_TRIES) {
                TimeUnit.MILLISECONDS.sleep(backoffMillis);
                backoffMillis *= 2;
            }
        }
        LOG.errorf("result of %s (lease %s) could not be published", key, result.leaseId());
        return false;
    }
}
