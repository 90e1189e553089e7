package dev.forgeline.dispatcher.messaging;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Knows whether the heartbeat consumer has read every heartbeat that was on the topic when this dispatcher started:
 * when the partitions are first assigned it takes their end offsets, and it is caught up once the consumer has
 * applied the records up to them (a partition already consumed to its end counts at once). The supervisor judges no
 * lease or node before that: heartbeats sent while the dispatcher was down wait in Kafka, and a lease whose proof of
 * life is still unread must not be orphaned.
 *
 * <p>Offsets count as reached when the record was applied (or failed to the dead-letter queue), not when it was
 * fetched. Heartbeats are not written in Kafka transactions, so the last offset of a partition is a record.
 */
@ApplicationScoped
@Default
@Identifier(HeartbeatCatchUp.LISTENER)
public class HeartbeatCatchUp implements KafkaConsumerRebalanceListener {
    /** The rebalance listener name the heartbeats channel is configured with. */
    public static final String LISTENER = "heartbeat-catch-up";

    static final String CHANNEL = "heartbeats";
    private static final Logger LOG = Logger.getLogger(HeartbeatCatchUp.class);

    /**
     * How far the catch-up has come.
     *
     * @param assigned the consumer has been given its partitions
     * @param caughtUp every assigned partition was applied up to its end offset as of the start
     * @param behind records between what was applied and those end offsets
     */
    public record Progress(boolean assigned, boolean caughtUp, long behind) {}

    private final KafkaClientService clients;
    /** Per partition: the offset after the last record applied, or where consumption started. */
    private final Map<TopicPartition, Long> applied = new ConcurrentHashMap<>();
    /** Per partition not yet caught up: the end offset to reach. */
    private final Map<TopicPartition, Long> targets = new HashMap<>();

    private boolean assigned;
    private volatile boolean caughtUp;

    public HeartbeatCatchUp(KafkaClientService clients) {
        this.clients = clients;
    }

    /** Runs on the consumer's polling thread, so it may ask the broker for the end offsets and positions. */
    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (TopicPartition partition : partitions) {
            positions.put(partition, consumer.position(partition));
        }
        positions.forEach((partition, position) -> applied.merge(partition, position, Math::max));
        if (caughtUp) {
            return;
        }
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        synchronized (this) {
            targets.clear();
            ends.forEach(targets::put);
            assigned = true;
            LOG.infof(
                    "heartbeat partitions %s assigned: %d records to apply before supervision judges anything",
                    partitions, progress().behind());
            settle();
        }
    }

    /** Records that the heartbeat at this offset was applied (or handed to the dead-letter queue). */
    public void applied(String topic, int partition, long offset) {
        TopicPartition key = new TopicPartition(topic, partition);
        applied.merge(key, offset + 1, Math::max);
        if (!caughtUp) {
            synchronized (this) {
                settle();
            }
        }
    }

    public boolean caughtUp() {
        return caughtUp;
    }

    public synchronized Progress progress() {
        long behind = 0;
        for (Map.Entry<TopicPartition, Long> target : targets.entrySet()) {
            behind += Math.max(0, target.getValue() - applied.getOrDefault(target.getKey(), 0L));
        }
        return new Progress(assigned, caughtUp, behind);
    }

    /**
     * Starts the catch-up over, with the end offsets of the assigned partitions as of now: what a restart does. The
     * tests use it to model a dispatcher start inside one running application.
     */
    public void restart(Duration timeout) {
        Function<Consumer<String, String>, Map<TopicPartition, Long>> endOffsets =
                consumer -> consumer.endOffsets(consumer.assignment());
        Map<TopicPartition, Long> ends = clients.<String, String>getConsumer(CHANNEL)
                .runOnPollingThread(endOffsets)
                .await()
                .atMost(timeout);
        synchronized (this) {
            caughtUp = false;
            targets.clear();
            ends.forEach(targets::put);
            assigned = true;
            settle();
        }
    }

    /** Drops the partitions that reached their end offset; caught up when none is left. Holds the monitor. */
    private void settle() {
        targets.entrySet().removeIf(target -> applied.getOrDefault(target.getKey(), 0L) >= target.getValue());
        if (assigned && targets.isEmpty() && !caughtUp) {
            caughtUp = true;
            LOG.info("heartbeat consumer caught up with the heartbeats that were on the topic at start");
        }
    }
}
