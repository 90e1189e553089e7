package dev.forgeline.bench;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.Heartbeat;
import dev.forgeline.contracts.payload.NodeHeartbeat;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InterruptException;

/**
 * Registered nodes that behave as workers do, without running anything: each node long-polls its lease feed
 * ({@link LeaseFeedDeliveries}), sends a node heartbeat every {@link #NODE_HEARTBEAT_SECONDS} s listing its running
 * leases (as NodeHeartbeatPublisher), and runs each lease as a zero-duration attempt: its first attempt heartbeat
 * (lease id, fencing token, attempt; the dispatcher moves the task to RUNNING), then, once the broker has that
 * heartbeat, a successful result on forgeline.tasks.results (the dispatcher ends the lease and frees the slot).
 */
final class SimulatedFleet implements AutoCloseable {
    /** The worker's production node heartbeat interval (forgeline.worker.heartbeat-interval-seconds). */
    static final int NODE_HEARTBEAT_SECONDS = 5;

    private final DispatcherUnderTest dispatcher;
    private final List<String> nodes;
    private final Map<String, Set<UUID>> running = new ConcurrentHashMap<>();
    private final Map<String, String> instances = new ConcurrentHashMap<>();
    private final AtomicLong resultsSent = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final KafkaProducer<String, String> producer;
    private final ScheduledExecutorService nodeHeartbeats = Executors.newSingleThreadScheduledExecutor();
    /**
     * Results are sent from here, not from the heartbeat's send callback: a callback runs on the producer's I/O
     * thread, and a send there that needs metadata (the results topic's, the first time) blocks the very thread
     * that would fetch it, for max.block.ms.
     */
    private final ExecutorService results = Executors.newSingleThreadExecutor();

    private final long startMillis = System.currentTimeMillis();
    private LeaseFeedDeliveries feeds;

    private SimulatedFleet(DispatcherUnderTest dispatcher, List<String> nodes) {
        this.dispatcher = dispatcher;
        this.nodes = nodes;
        this.producer = dispatcher.producer(5);
        for (String node : nodes) {
            running.put(node, ConcurrentHashMap.newKeySet());
            instances.put(node, UUID.randomUUID().toString());
        }
    }

    /**
     * Starts the nodes (already registered): their node heartbeats, spread evenly over the interval, and one long
     * poll each on their lease feed until {@code leases} tasks' leases have arrived.
     */
    static SimulatedFleet start(DispatcherUnderTest dispatcher, List<String> nodes, int leases) {
        SimulatedFleet fleet = new SimulatedFleet(dispatcher, nodes);
        long spreadMicros = TimeUnit.SECONDS.toMicros(NODE_HEARTBEAT_SECONDS) / nodes.size();
        for (int i = 0; i < nodes.size(); i++) {
            String node = nodes.get(i);
            fleet.nodeHeartbeats.scheduleAtFixedRate(
                    () -> fleet.nodeHeartbeat(node),
                    i * spreadMicros,
                    TimeUnit.SECONDS.toMicros(NODE_HEARTBEAT_SECONDS),
                    TimeUnit.MICROSECONDS);
        }
        fleet.feeds = LeaseFeedDeliveries.start(dispatcher.base(), nodes, leases, fleet::run);
        return fleet;
    }

    /** Waits until the nodes have received the leases of {@link #start}; fails as {@link LeaseFeedDeliveries#await}. */
    void await(java.time.Duration timeout, ChildProcess dispatcherProcess) throws Exception {
        feeds.await(timeout, dispatcherProcess);
    }

    long resultsSent() {
        return resultsSent.get();
    }

    /** Fails if the feeds could not be read or a heartbeat or result was not acknowledged by the broker. */
    void check() {
        if (failure.get() != null) {
            throw new IllegalStateException("the simulated fleet failed", failure.get());
        }
    }

    private void nodeHeartbeat(String node) {
        try {
            Set<UUID> leases = running.get(node);
            NodeHeartbeat beat = new NodeHeartbeat(
                    node,
                    "LAPTOP",
                    instances.get(node),
                    Map.of(),
                    List.of(),
                    leases.size(),
                    List.copyOf(leases),
                    Instant.now());
            send(Topics.WORKER_HEARTBEATS, node, Envelope.of(EventType.NODE_HEARTBEAT, null, null, beat, Map.of()));
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        }
    }

    /** A zero-duration attempt: the first attempt heartbeat, then the result once the broker has the heartbeat. */
    private void run(LeaseFeedDeliveries.Delivery delivery) {
        TaskLeased lease = delivery.lease();
        String node = lease.nodeName();
        running.get(node).add(lease.leaseId());
        Instant started = Instant.now();
        Heartbeat heartbeat = new Heartbeat(
                node,
                lease.task().taskId(),
                lease.leaseId(),
                lease.fencingToken(),
                lease.attempt(),
                System.currentTimeMillis() - startMillis,
                "AGENT",
                "working",
                0);
        Envelope beat = Envelope.of(
                EventType.WORKER_HEARTBEAT, lease.task().specId(), lease.task().taskId(), heartbeat, Map.of());
        producer.send(new ProducerRecord<>(Topics.WORKER_HEARTBEATS, node, EventCodec.encode(beat)), (m, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
                return;
            }
            results.execute(() -> finish(lease, started));
        });
    }

    private void finish(TaskLeased lease, Instant started) {
        TaskResult result = new TaskResult(
                lease.leaseId(),
                lease.task().specId(),
                lease.task().taskId(),
                lease.nodeName(),
                lease.fencingToken(),
                lease.attempt(),
                true,
                null,
                null,
                lease.task().repository(),
                lease.task().baseBranch(),
                "forgeline/" + lease.task().specId() + "/" + lease.task().taskId() + "/" + lease.attempt(),
                "0000000000000000000000000000000000000000",
                "1111111111111111111111111111111111111111",
                null,
                null,
                null,
                0,
                started,
                Instant.now(),
                List.of());
        Envelope envelope = Envelope.of(EventType.TASK_RESULT, result.specId(), result.taskId(), result, Map.of());
        try {
            producer.send(
                    new ProducerRecord<>(
                            Topics.TASKS_RESULTS,
                            Topics.key(result.specId(), result.taskId()),
                            EventCodec.encode(envelope)),
                    (m, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                            return;
                        }
                        resultsSent.incrementAndGet();
                        running.get(lease.nodeName()).remove(lease.leaseId());
                    });
        } catch (InterruptException e) {
            // the fleet is closing (its window is over): a result not sent by then is not counted
            Thread.currentThread().interrupt();
        }
    }

    private void send(String topic, String key, Envelope envelope) {
        producer.send(new ProducerRecord<>(topic, key, EventCodec.encode(envelope)), (m, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        });
    }

    @Override
    public void close() {
        nodeHeartbeats.shutdownNow();
        results.shutdownNow();
        if (feeds != null) {
            feeds.close();
        }
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
