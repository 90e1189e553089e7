package dev.forgeline.worker.messaging;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.forgeline.worker.service.WorkerPool;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Tells the pool when the leases consumer has read, after a start, everything the topic held when its partitions
 * were first assigned: the part a restarted worker replays. Until then the pool holds leases instead of running
 * them, so that a revocation or a later lease further on in the replay is seen first.
 */
@ApplicationScoped
@Identifier(LeaseReplay.NAME)
public class LeaseReplay implements KafkaConsumerRebalanceListener {
    public static final String NAME = "lease-replay";
    private static final Logger LOG = Logger.getLogger(LeaseReplay.class);

    private final Runnable onCaughtUp;
    /** The offset each partition must reach (exclusive): its end offset at the first assignment. */
    private final Map<TopicPartition, Long> replayEnds = new HashMap<>();

    private boolean assigned;
    private boolean caughtUp;

    @Inject
    public LeaseReplay(WorkerPool pool) {
        this(pool::replayCaughtUp);
    }

    /** @param onCaughtUp called once, when the replayed part has been read */
    public LeaseReplay(Runnable onCaughtUp) {
        this.onCaughtUp = onCaughtUp;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        boolean nowCaughtUp;
        synchronized (this) {
            if (!assigned) {
                LOG.infof(
                        "leases partitions %s assigned %d ms after the worker's JVM started",
                        partitions, ManagementFactory.getRuntimeMXBean().getUptime());
            }
            if (caughtUp) {
                return;
            }
            assigned = true;
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            for (TopicPartition partition : partitions) {
                long end = ends.getOrDefault(partition, 0L);
                long position = consumer.position(partition);
                if (position < end) {
                    replayEnds.put(partition, end);
                } else {
                    replayEnds.remove(partition);
                }
            }
            LOG.infof("leases to replay before new ones run: %s", replayEnds);
            nowCaughtUp = checkCaughtUp();
        }
        if (nowCaughtUp) {
            onCaughtUp.run();
        }
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        forget(partitions);
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        forget(partitions);
    }

    /** Partitions taken away before their replay was read: the next assignment says again what is left. */
    private void forget(Collection<TopicPartition> partitions) {
        synchronized (this) {
            if (!caughtUp) {
                partitions.forEach(replayEnds::remove);
            }
        }
    }

    /** A record of the leases topic has been handled. */
    public void consumed(String topic, int partition, long offset) {
        boolean nowCaughtUp;
        synchronized (this) {
            if (caughtUp || !assigned) {
                return;
            }
            TopicPartition key = new TopicPartition(topic, partition);
            Long end = replayEnds.get(key);
            if (end != null && offset + 1 >= end) {
                replayEnds.remove(key);
            }
            nowCaughtUp = checkCaughtUp();
        }
        if (nowCaughtUp) {
            onCaughtUp.run();
        }
    }

    private boolean checkCaughtUp() {
        if (!caughtUp && replayEnds.isEmpty()) {
            caughtUp = true;
            LOG.info("leases replayed since the start are read: new leases run as they come");
            return true;
        }
        return false;
    }
}
