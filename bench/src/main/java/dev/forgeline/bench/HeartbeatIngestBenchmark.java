package dev.forgeline.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.Heartbeat;
import dev.forgeline.contracts.payload.NodeHeartbeat;
import dev.forgeline.contracts.payload.TaskLeased;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsResult;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Heartbeat ingestion benchmark: {@code nodes} nodes registered through {@code POST /nodes}, {@code attempts}
 * leases granted to them, then node and attempt heartbeats in the workers' format (a node heartbeat listing the
 * node's running leases, an attempt heartbeat per lease with its lease id and fencing token, keyed by node name) sent
 * to forgeline.worker.heartbeats as fast as the dispatcher applies them. Measured for {@code seconds} once at least
 * {@code warmupSeconds} passed and one full round (every node and every attempt once) was applied.
 *
 * <p>Applied is read from the dispatcher's heartbeat consumer group: its committed offsets on the heartbeats topic
 * (fresh, so their sum is the number of heartbeats applied; the consumer commits an offset only after the record was
 * processed). The group commits every 5 s, so the rate is taken between two commit changes observed in the window.
 * CPU is the dispatcher process's (utime + stime from /proc) over the same span. The producer keeps a backlog so the
 * dispatcher never waits for heartbeats.
 */
final class HeartbeatIngestBenchmark {
    static final String NAME = "heartbeat-ingest";
    private static final String SPEC = "heartbeats";
    private static final String GROUP = "dispatcher-service";
    /** Records sent but not yet applied beyond which the producer waits: several commit intervals' worth. */
    private static final long MAX_BACKLOG = 40_000;

    record Options(int nodes, int attempts, int seconds, int warmupSeconds, Path home, Path out) {}

    private record Sample(long micros, long applied, double dispatcherCpu, long sent) {}

    private final Options options;

    HeartbeatIngestBenchmark(Options options) {
        this.options = options;
    }

    void run() throws Exception {
        Path work = BenchSupport.fresh(options.home().resolve("bench/target/work/" + NAME));
        String date = DateTimeFormatter.ISO_INSTANT.format(Instant.now());
        Map<String, Object> machine = Machine.describe();
        BenchSupport.log("machine: " + machine);
        try (BenchPostgres postgres = BenchPostgres.start(work.resolve("postgres"))) {
            Map<String, Object> settings = postgres.durableSettings();
            BenchSupport.log("PostgreSQL: " + settings);
            String database = postgres.freshDatabase("heartbeat_ingest");
            double loadBefore = BenchSupport.loadAverage();
            Map<String, Object> result;
            try (DispatcherUnderTest dispatcher = DispatcherUnderTest.start(
                    postgres,
                    options.home().resolve("dispatcher-service/target/quarkus-app"),
                    BenchSupport.CHILD_JVM_OPTIONS,
                    database,
                    work)) {
                List<TaskLeased> leases = grantLeases(dispatcher);
                result = ingest(dispatcher, leases);
            } finally {
                postgres.dropDatabase(database);
            }
            Map<String, Object> line = BenchSupport.lineHead(NAME, date, 1, ForgelineDrain.SYSTEM);
            line.put("nodes", options.nodes());
            line.put("attempts", options.attempts());
            line.put("seconds", options.seconds());
            line.put("warmupSeconds", options.warmupSeconds());
            line.putAll(result);
            line.put("loadAverageBefore", loadBefore);
            line.put("loadAverageAfter", BenchSupport.loadAverage());
            BenchSupport.lineTail(line, machine, settings);
            BenchSupport.append(options.out(), line);
            System.out.println();
            System.out.print(table(result, loadBefore));
            System.out.println("raw results: " + options.out());
        }
    }

    private List<TaskLeased> grantLeases(DispatcherUnderTest dispatcher) throws Exception {
        int slots = (options.attempts() + options.nodes() - 1) / options.nodes();
        long start = System.currentTimeMillis();
        dispatcher.registerNodes(options.nodes(), slots);
        BenchSupport.log(options.nodes() + " nodes of " + slots + " slots registered in "
                + (System.currentTimeMillis() - start) + " ms; publishing " + options.attempts() + " tasks");
        try (LeaseDeliveries deliveries = LeaseDeliveries.start(dispatcher.bootstrapServers(), options.attempts())) {
            try (KafkaProducer<String, String> producer = dispatcher.producer(5)) {
                for (int i = 0; i < options.attempts(); i++) {
                    producer.send(DispatcherUnderTest.taskReady(SPEC, "task-" + i, "heartbeat ingestion"));
                }
                producer.flush();
            }
            deliveries.await(DispatcherUnderTest.STEP_TIMEOUT, dispatcher.process());
            BenchSupport.log(options.attempts() + " leases granted and received");
            return deliveries.all().stream()
                    .map(LeaseDeliveries.Delivery::lease)
                    .toList();
        }
    }

    private Map<String, Object> ingest(DispatcherUnderTest dispatcher, List<TaskLeased> leases) throws Exception {
        Map<String, List<TaskLeased>> byNode = new LinkedHashMap<>();
        for (TaskLeased lease : leases) {
            byNode.computeIfAbsent(lease.nodeName(), n -> new ArrayList<>()).add(lease);
        }
        int cycle = byNode.size() + leases.size();
        AtomicLong sent = new AtomicLong();
        AtomicLong applied = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Map<String, Object> result = new LinkedHashMap<>();
        Thread workers = new Thread(() -> sendHeartbeats(dispatcher, byNode, sent, applied, failure), "heartbeats");
        List<Sample> samples = new ArrayList<>();
        long startMicros = BenchSupport.nowMicros();
        long warmupEndMicros = startMicros + TimeUnit.SECONDS.toMicros(options.warmupSeconds());
        long giveUpMicros = startMicros + DispatcherUnderTest.STEP_TIMEOUT.toNanos() / 1000;
        var benchCpu = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double benchCpuStart = benchCpu.getProcessCpuTime() / 1e9;
        // the window opens after the warm-up and once one full round was applied (each lease's first attempt heartbeat
        // also moves its task to RUNNING, with an outbox event: not the steady cost), and lasts `seconds`
        long windowStartMicros = Long.MAX_VALUE;
        try (Admin admin = dispatcher.admin()) {
            workers.start();
            try {
                while (windowStartMicros == Long.MAX_VALUE
                        || BenchSupport.nowMicros()
                                < windowStartMicros + TimeUnit.SECONDS.toMicros(options.seconds())) {
                    dispatcher.process().checkAlive();
                    if (failure.get() != null) {
                        throw new IllegalStateException("heartbeats could not be sent", failure.get());
                    }
                    long committed = committed(admin);
                    applied.set(committed);
                    long now = BenchSupport.nowMicros();
                    samples.add(new Sample(now, committed, dispatcher.process().cpuSeconds(), sent.get()));
                    if (windowStartMicros == Long.MAX_VALUE && now >= warmupEndMicros && committed >= cycle) {
                        windowStartMicros = now;
                        BenchSupport.log("one full round of " + cycle + " heartbeats applied after "
                                + (now - startMicros) / 1_000_000 + " s; measuring for " + options.seconds() + " s");
                    }
                    if (now > giveUpMicros) {
                        throw new IllegalStateException("only " + committed + " heartbeats applied within "
                                + DispatcherUnderTest.STEP_TIMEOUT + " (a full round is " + cycle + ")");
                    }
                    Thread.sleep(250);
                }
            } finally {
                workers.interrupt();
                workers.join(10_000);
            }
        }
        long endMicros = BenchSupport.nowMicros();
        double benchCpuSeconds = benchCpu.getProcessCpuTime() / 1e9 - benchCpuStart;
        // from the first to the last commit change observed in the window
        Sample first = null;
        Sample last = null;
        long minBacklog = Long.MAX_VALUE;
        for (int i = 1; i < samples.size(); i++) {
            Sample s = samples.get(i);
            if (s.micros() < windowStartMicros) {
                continue;
            }
            minBacklog = Math.min(minBacklog, s.sent() - s.applied());
            if (s.applied() != samples.get(i - 1).applied()) {
                if (first == null) {
                    first = s;
                } else {
                    last = s;
                }
            }
        }
        if (first == null || last == null) {
            throw new IllegalStateException("the dispatcher's committed offsets did not move twice within the "
                    + options.seconds() + " s window (the group commits every 5 s): lengthen --seconds");
        }
        result.put("secondsToFirstRound", (windowStartMicros - startMicros) / 1e6);
        double seconds = (last.micros() - first.micros()) / 1e6;
        double perSecond = (last.applied() - first.applied()) / seconds;
        double cpuCores = (last.dispatcherCpu() - first.dispatcherCpu()) / seconds;
        JsonNode stats = BenchSupport.readTree(dispatcher.get("/dispatcher/stats"));
        result.put("appliedPerSecond", Math.round(perSecond));
        result.put("windowSeconds", seconds);
        result.put("appliedInWindow", last.applied() - first.applied());
        result.put("dispatcherCpuCores", cpuCores);
        result.put(
                "dispatcherCpuMsPer1000",
                1000 * (last.dispatcherCpu() - first.dispatcherCpu()) / ((last.applied() - first.applied()) / 1000.0));
        result.put("benchCpuCoresWholeRun", benchCpuSeconds / ((endMicros - startMicros) / 1e6));
        result.put("heartbeatsPerCycle", cycle);
        result.put("sentTotal", sent.get());
        result.put("appliedTotal", samples.get(samples.size() - 1).applied());
        result.put("minBacklogInWindow", minBacklog);
        result.put("tasksRunning", dispatcher.count("SELECT count(*) FROM dispatcher.task WHERE state = 'RUNNING'"));
        result.put("staleHeartbeats", stats.path("staleHeartbeats").asLong());
        result.put("orphaned", stats.path("orphaned").asLong());
        result.put("timedOut", stats.path("timedOut").asLong());
        return result;
    }

    /**
     * Cycles over the nodes: each node's heartbeat (its running leases listed), then the attempt heartbeat of each of
     * its leases, as the workers' NodeHeartbeatPublisher and HeartbeatPublisher send them; waits while the backlog is
     * above {@link #MAX_BACKLOG}.
     */
    private static void sendHeartbeats(
            DispatcherUnderTest dispatcher,
            Map<String, List<TaskLeased>> byNode,
            AtomicLong sent,
            AtomicLong applied,
            AtomicReference<Exception> failure) {
        Map<String, String> instances = new LinkedHashMap<>();
        byNode.keySet().forEach(node -> instances.put(node, UUID.randomUUID().toString()));
        long start = System.currentTimeMillis();
        try (KafkaProducer<String, String> producer = dispatcher.producer(5)) {
            while (!Thread.currentThread().isInterrupted()) {
                for (Map.Entry<String, List<TaskLeased>> node : byNode.entrySet()) {
                    while (sent.get() - applied.get() > MAX_BACKLOG) {
                        Thread.sleep(20);
                    }
                    List<TaskLeased> running = node.getValue();
                    NodeHeartbeat beat = new NodeHeartbeat(
                            node.getKey(),
                            "LAPTOP",
                            instances.get(node.getKey()),
                            Map.of(),
                            List.of(),
                            running.size(),
                            running.stream().map(TaskLeased::leaseId).toList(),
                            Instant.now());
                    send(
                            producer,
                            node.getKey(),
                            Envelope.of(EventType.NODE_HEARTBEAT, null, null, beat, Map.of()),
                            sent,
                            failure);
                    for (TaskLeased lease : running) {
                        Heartbeat heartbeat = new Heartbeat(
                                node.getKey(),
                                lease.task().taskId(),
                                lease.leaseId(),
                                lease.fencingToken(),
                                lease.attempt(),
                                System.currentTimeMillis() - start,
                                "AGENT",
                                "working",
                                0);
                        send(
                                producer,
                                node.getKey(),
                                Envelope.of(
                                        EventType.WORKER_HEARTBEAT,
                                        lease.task().specId(),
                                        lease.task().taskId(),
                                        heartbeat,
                                        Map.of()),
                                sent,
                                failure);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        }
    }

    private static void send(
            KafkaProducer<String, String> producer,
            String key,
            Envelope envelope,
            AtomicLong sent,
            AtomicReference<Exception> failure) {
        producer.send(new ProducerRecord<>(Topics.WORKER_HEARTBEATS, key, EventCodec.encode(envelope)), (m, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        });
        sent.incrementAndGet();
    }

    /** The heartbeats the dispatcher has applied: its group's committed offsets on the (fresh) heartbeats topic. */
    private static long committed(Admin admin) throws Exception {
        ListConsumerGroupOffsetsResult offsets = admin.listConsumerGroupOffsets(GROUP);
        long sum = 0;
        for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : offsets.partitionsToOffsetAndMetadata()
                .get(10, TimeUnit.SECONDS)
                .entrySet()) {
            if (entry.getKey().topic().equals(Topics.WORKER_HEARTBEATS) && entry.getValue() != null) {
                sum += entry.getValue().offset();
            }
        }
        return sum;
    }

    private String table(Map<String, Object> r, double loadBefore) {
        return String.format(
                Locale.ROOT,
                """
                heartbeat ingestion, %d nodes, %d running attempts, %d s after a full round (>= %d s) (load average %.1f)
                heartbeats applied/s            %8d   (%d in %.1f s, from the dispatcher's committed offsets)
                first full round applied after  %8.1f s
                dispatcher CPU, cores           %8.2f   (%.0f ms CPU per 1,000 heartbeats)
                stale heartbeats / orphaned     %8d / %d
                tasks RUNNING                   %8d
                """,
                options.nodes(),
                options.attempts(),
                options.seconds(),
                options.warmupSeconds(),
                loadBefore,
                r.get("appliedPerSecond"),
                r.get("appliedInWindow"),
                (Double) r.get("windowSeconds"),
                (Double) r.get("secondsToFirstRound"),
                (Double) r.get("dispatcherCpuCores"),
                (Double) r.get("dispatcherCpuMsPer1000"),
                r.get("staleHeartbeats"),
                r.get("orphaned"),
                r.get("tasksRunning"));
    }
}
