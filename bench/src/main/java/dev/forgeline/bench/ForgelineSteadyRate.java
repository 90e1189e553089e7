package dev.forgeline.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * One Forgeline steady-rate run against the real dispatcher ({@link DispatcherUnderTest}): nodes of 250 slots, a slot
 * for every task of the run, are registered first (capacity never limits), then task.ready events are published at a fixed rate. Without a
 * planner in the loop, <em>ready</em> is when the broker acknowledged the task.ready record ({@code acks=all}: the
 * record is committed to the log). <em>Granted</em> is the task's lease row ({@code leased_at}, stamped by the
 * dispatch round); <em>received</em> is when a long poll standing in for the worker got the lease from its node's
 * lease feed ({@code GET /nodes/{name}/leases}, as workers read leases). The relay's hop to forgeline.tasks.leased,
 * which other consumers read, is reported apart (grantToRelaySend). Granted is split at <em>intake</em>: when the dispatcher began applying the task.ready record
 * (the intake transaction's time, {@code first_ready_at} of the task row). The first {@code warmup} tasks are not
 * measured.
 */
final class ForgelineSteadyRate {
    static final String READY_TO_GRANTED = "ready -> granted (lease row)";
    static final String READY_TO_RECEIVED = "ready -> received by worker";
    static final String READY_TO_INTAKE = "  of which ready -> intake";
    static final String INTAKE_TO_GRANTED = "  of which intake -> granted";
    private static final String SPEC = "steady";

    private final BenchPostgres postgres;
    private final Path dispatcherApp;
    private final List<String> jvmOptions;
    private final Consumer<String> progress;

    ForgelineSteadyRate(
            BenchPostgres postgres, Path dispatcherApp, List<String> jvmOptions, Consumer<String> progress) {
        this.postgres = postgres;
        this.dispatcherApp = dispatcherApp;
        this.jvmOptions = jvmOptions;
        this.progress = progress;
    }

    record Result(Map<String, Latencies> latencies, Map<String, Object> extra) {}

    Result run(String database, int rate, int total, int warmup, Path work) throws Exception {
        try (DispatcherUnderTest dispatcher =
                DispatcherUnderTest.start(postgres, dispatcherApp, jvmOptions, database, work)) {
            // as in the drain: nodes of 250 slots, as many as the run's tasks need
            int nodes = ForgelineDrain.nodeCount(total + 1);
            int slots = ForgelineDrain.SLOTS_PER_NODE;
            dispatcher.registerNodes(nodes, slots);
            progress.accept(nodes + " nodes of " + slots + " slots registered; publishing " + total + " tasks at "
                    + rate + "/s");
            AtomicLongArray sent = new AtomicLongArray(total);
            AtomicLongArray acked = new AtomicLongArray(total);
            AtomicReference<Exception> failure = new AtomicReference<>();
            List<String> nodeNames = IntStream.range(0, nodes)
                    .mapToObj(DispatcherUnderTest::nodeName)
                    .toList();
            // received by worker: each node's lease feed, long-polled as a worker does; the leases topic read for the
            // relay's hop
            try (LeaseDeliveries deliveries = LeaseDeliveries.start(dispatcher.bootstrapServers(), total + 1);
                    LeaseFeedDeliveries received = LeaseFeedDeliveries.start(dispatcher.base(), nodeNames, total + 1)) {
                // no linger: each record goes out when it is due, as the planner's outbox relay sends it
                try (KafkaProducer<String, String> producer = dispatcher.producer(0)) {
                    // the dispatcher reports ready before its consumers have their partitions: one task leased first
                    // shows it is taking task.ready records, so the warm-up does not start with a start-up backlog
                    producer.send(DispatcherUnderTest.taskReady(SPEC, "first", "steady rate"));
                    producer.flush();
                    dispatcher.awaitCount("SELECT count(*) FROM dispatcher.lease", 1, "first lease");
                    progress.accept("first task leased; publishing at " + rate + "/s");
                    long start = System.nanoTime();
                    long intervalNanos = TimeUnit.SECONDS.toNanos(1) / rate;
                    for (int i = 0; i < total; i++) {
                        long due = start + i * intervalNanos;
                        long wait;
                        while ((wait = due - System.nanoTime()) > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        int task = i;
                        sent.set(task, BenchSupport.nowMicros());
                        producer.send(DispatcherUnderTest.taskReady(SPEC, "task-" + task, "steady rate"), (m, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            } else {
                                acked.set(task, BenchSupport.nowMicros());
                            }
                        });
                        if (i > 0 && i % (rate * 10) == 0) {
                            progress.accept(i + " tasks published");
                        }
                    }
                    producer.flush();
                }
                if (failure.get() != null) {
                    throw new IllegalStateException("a task.ready record was not acknowledged", failure.get());
                }
                deliveries.await(DispatcherUnderTest.STEP_TIMEOUT, dispatcher.process());
                received.await(DispatcherUnderTest.STEP_TIMEOUT, dispatcher.process());
                progress.accept("all " + (total + 1) + " leases received");

                Map<String, long[]> grants = grants(dispatcher);
                List<Long> intake = new ArrayList<>();
                List<Long> intakeToGrant = new ArrayList<>();
                List<Long> granted = new ArrayList<>();
                List<Long> receivedByWorker = new ArrayList<>();
                List<Long> relayed = new ArrayList<>();
                List<Long> acknowledged = new ArrayList<>();
                for (int i = warmup; i < total; i++) {
                    String task = "task-" + i;
                    long ready = acked.get(i);
                    long[] times = grants.get(task);
                    LeaseDeliveries.Delivery delivery = deliveries.of(SPEC, task);
                    LeaseFeedDeliveries.Delivery feedDelivery = received.of(SPEC, task);
                    if (times == null || delivery == null || feedDelivery == null) {
                        throw new IllegalStateException(
                                task + " has no lease row, no task.leased record or no lease feed event");
                    }
                    long grant = times[0];
                    intake.add(times[1] - ready);
                    intakeToGrant.add(grant - times[1]);
                    granted.add(grant - ready);
                    receivedByWorker.add(feedDelivery.receivedMicros() - ready);
                    relayed.add(delivery.kafkaTimestampMs() * 1000 - grant);
                    acknowledged.add(ready - sent.get(i));
                }
                Map<String, Latencies> latencies = new LinkedHashMap<>();
                latencies.put(READY_TO_GRANTED, Latencies.of(granted));
                latencies.put(READY_TO_INTAKE, Latencies.of(intake));
                latencies.put(INTAKE_TO_GRANTED, Latencies.of(intakeToGrant));
                latencies.put(READY_TO_RECEIVED, Latencies.of(receivedByWorker));
                Map<String, Object> extra = new LinkedHashMap<>();
                extra.put("nodes", nodes);
                extra.put("slotsPerNode", slots);
                extra.put("grantToRelaySend", Latencies.of(relayed).toMap());
                extra.put("sendToReadyAck", Latencies.of(acknowledged).toMap());
                return new Result(latencies, extra);
            }
        }
    }

    /**
     * Per task: its first grant and when the dispatcher began applying its task.ready record (the intake
     * transaction's {@code now()}, stored as {@code first_ready_at}), epoch microseconds; fails if a lease ended (the
     * supervisor interfered).
     */
    private static Map<String, long[]> grants(DispatcherUnderTest dispatcher) throws Exception {
        if (dispatcher.count("SELECT count(*) FROM dispatcher.lease WHERE ended_at IS NOT NULL") > 0) {
            throw new IllegalStateException("leases ended during the run (orphaned or timed out)");
        }
        Map<String, long[]> grants = new HashMap<>();
        try (Connection c = dispatcher.connect();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT l.task_id, (extract(epoch FROM min(l.leased_at)) * 1000000)::bigint AS first_leased_micros,
                               (extract(epoch FROM min(t.first_ready_at)) * 1000000)::bigint AS first_ready_micros
                        FROM dispatcher.lease l JOIN dispatcher.task t USING (spec_id, task_id)
                        WHERE l.spec_id = ? GROUP BY l.task_id
                        """)) {
            ps.setString(1, SPEC);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    grants.put(
                            rs.getString("task_id"),
                            new long[] {rs.getLong("first_leased_micros"), rs.getLong("first_ready_micros")});
                }
            }
        }
        return grants;
    }
}
