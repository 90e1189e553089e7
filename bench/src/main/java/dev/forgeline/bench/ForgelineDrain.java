package dev.forgeline.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.embedded.LocalKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One Forgeline drain run against the real dispatcher: the packaged dispatcher-service as its own process on a fresh
 * broker and a fresh database; {@code n} task.ready events (no dependencies, no requirements) published and applied
 * until every task is READY with no node registered; then the dispatch is paused, nodes with {@code n} slots in all
 * registered through {@code POST /nodes}, and the dispatch resumed. Grants are read from the lease rows (first lease
 * of each task, {@code leased_at}); deliveries from the records on {@code forgeline.tasks.leased} (their Kafka
 * timestamps, set when the outbox relay sends them).
 */
final class ForgelineDrain {
    static final String SYSTEM = "Forgeline";
    static final int SLOTS_PER_NODE = 250;
    private static final String SPEC = "drain";
    /** Lease deadlines are 1.5 x the estimate: no lease times out during a drain. */
    private static final long ESTIMATE_SECONDS = 3600;

    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(10);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final BenchPostgres postgres;
    private final Path dispatcherApp;
    private final List<String> jvmOptions;
    private final Consumer<String> progress;

    ForgelineDrain(BenchPostgres postgres, Path dispatcherApp, List<String> jvmOptions, Consumer<String> progress) {
        this.postgres = postgres;
        this.dispatcherApp = dispatcherApp;
        this.jvmOptions = jvmOptions;
        this.progress = progress;
    }

    DrainResult run(String database, int n, Path work) throws Exception {
        try (LocalKafka kafka = LocalKafka.start(Files.createDirectories(work.resolve("kafka")))) {
            createTopics(kafka.bootstrapServers());
            int port = freePort();
            try (ChildProcess dispatcher = startDispatcher(database, kafka.bootstrapServers(), port, work)) {
                URI base = URI.create("http://localhost:" + port);
                awaitReady(base, dispatcher);

                long publishStart = System.currentTimeMillis();
                publishTaskReady(kafka.bootstrapServers(), n);
                awaitReadyTasks(database, n, dispatcher);
                long intakeMs = System.currentTimeMillis() - publishStart;
                progress.accept(n + " tasks READY after " + intakeMs + " ms; registering " + nodeCount(n) + " nodes");

                try (LeaseDeliveries deliveries = LeaseDeliveries.start(kafka.bootstrapServers(), n)) {
                    post(base, "/dispatch/pause?reason=benchmark", null);
                    for (int i = 0; i < nodeCount(n); i++) {
                        int slots = Math.min(SLOTS_PER_NODE, n - i * SLOTS_PER_NODE);
                        post(base, "/nodes", "{\"name\":\"bench-node-%03d\",\"capacity\":%d}".formatted(i + 1, slots));
                    }
                    post(base, "/dispatch/resume", null);
                    progress.accept("dispatch resumed");
                    deliveries.await(STEP_TIMEOUT, dispatcher);
                    progress.accept("all " + n + " leases delivered");
                    long[] grants = grantSpan(database, n);
                    Map<String, Object> extra = new LinkedHashMap<>();
                    extra.put("dispatchRounds", grants[3]);
                    extra.put("deliveredFirstMs", deliveries.firstMs);
                    extra.put("deliveredLastMs", deliveries.lastMs);
                    extra.put("deliveredPerSecond", DrainResult.rate(n - 1, deliveries.firstMs, deliveries.lastMs));
                    extra.put("firstGrantToFirstDeliveryMs", deliveries.firstMs - grants[0]);
                    extra.put("lastGrantToLastDeliveryMs", deliveries.lastMs - grants[1]);
                    extra.put("publishToAllReadyMs", intakeMs);
                    extra.put("nodes", nodeCount(n));
                    return new DrainResult(SYSTEM, n, grants[0], grants[1], (int) (n - grants[2]), extra);
                }
            }
        }
    }

    static int nodeCount(int n) {
        return (n + SLOTS_PER_NODE - 1) / SLOTS_PER_NODE;
    }

    /** As the local stack does: topics made on first use would cost the first events a metadata refresh. */
    private static void createTopics(String bootstrapServers) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(Topics.ALL.stream()
                            .map(t -> new NewTopic(t, 4, (short) 1))
                            .toList())
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    private ChildProcess startDispatcher(String database, String bootstrapServers, int port, Path work) {
        Path jar = dispatcherApp.resolve("quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist: build it first (./mvnw -pl dispatcher-service -am"
                    + " package -DskipTests, see bench/README.md)");
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("QUARKUS_HTTP_PORT", String.valueOf(port));
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
        env.put("QUARKUS_DATASOURCE_JDBC_URL", postgres.jdbcUrl(database));
        env.put("QUARKUS_DATASOURCE_USERNAME", BenchPostgres.USER);
        env.put("QUARKUS_DATASOURCE_PASSWORD", BenchPostgres.PASSWORD);
        // no collector here: spans are made and propagated as in the local stack, failed exports are not logged
        env.put("QUARKUS_LOG_CATEGORY__IO_QUARKUS_OPENTELEMETRY_RUNTIME_EXPORTER__LEVEL", "ERROR");
        // no worker runs here, so no lease gets a heartbeat: with the default 10 s interval the supervisor would
        // orphan every lease 30 s after its grant (and the fleet breaker would stop the dispatch) before a slow drain
        // ends. A long interval changes nothing in a dispatch round; the task estimate keeps the deadlines long too.
        env.put("FORGELINE_DISPATCHER_HEARTBEAT_INTERVAL", "10m");
        return ChildProcess.start(
                "dispatcher-service", jvmOptions, List.of("-jar", jar.toString()), env, work.resolve("dispatcher.log"));
    }

    private void awaitReady(URI base, ChildProcess dispatcher) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            dispatcher.checkAlive();
            try {
                HttpResponse<Void> health = http.send(
                        HttpRequest.newBuilder(base.resolve("/q/health/ready"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (health.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "dispatcher-service not ready within 3 minutes; see " + dispatcher.log());
            }
            Thread.sleep(200);
        }
    }

    private static void publishTaskReady(String bootstrapServers, int n) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < n; i++) {
                String task = "task-" + i;
                TaskReady ready = new TaskReady(
                        SPEC,
                        "dispatch drain",
                        task,
                        "no-op " + i,
                        "a task with no dependencies and no requirements",
                        List.of(),
                        "true",
                        ESTIMATE_SECONDS,
                        List.of(),
                        "file:///nonexistent/drain.git",
                        "main",
                        0,
                        Map.of(),
                        null);
                Envelope envelope = Envelope.of(EventType.TASK_READY, SPEC, task, ready, Map.of());
                producer.send(new ProducerRecord<>(Topics.TASKS_READY, SPEC + "/" + task, EventCodec.encode(envelope)));
            }
            producer.flush();
        }
    }

    private void awaitReadyTasks(String database, int n, ChildProcess dispatcher) throws Exception {
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        while (count(database, "SELECT count(*) FROM dispatcher.task WHERE state = 'READY'") < n) {
            dispatcher.checkAlive();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not all " + n + " tasks READY within " + STEP_TIMEOUT);
            }
            Thread.sleep(200);
        }
    }

    private long count(String database, String sql) throws SQLException {
        try (Connection c = postgres.connect(database);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0; // the schema is being migrated
            }
            throw e;
        }
    }

    /**
     * First and last grant (epoch ms) by each task's first lease, the leases of the last round (they share its time)
     * and the number of rounds; fails unless every task has a lease.
     */
    private long[] grantSpan(String database, int n) throws SQLException {
        String sql = """
                WITH firsts AS (SELECT min(leased_at) AS first_lease FROM dispatcher.lease GROUP BY spec_id, task_id)
                SELECT count(*), (extract(epoch FROM min(first_lease)) * 1000)::bigint,
                       (extract(epoch FROM max(first_lease)) * 1000)::bigint,
                       count(*) FILTER (WHERE first_lease = (SELECT max(first_lease) FROM firsts)),
                       count(DISTINCT first_lease), (SELECT count(*) FROM dispatcher.lease WHERE ended_at IS NOT NULL)
                FROM firsts
                """;
        try (Connection c = postgres.connect(database);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            if (rs.getLong(1) != n) {
                throw new IllegalStateException(rs.getLong(1) + " of " + n + " tasks have a lease");
            }
            if (rs.getLong(6) > 0) {
                throw new IllegalStateException(
                        rs.getLong(6) + " leases ended during the drain (orphaned or timed out):"
                                + " the supervisor interfered and the figures would not be the dispatch rate");
            }
            return new long[] {rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)};
        }
    }

    private void post(URI base, String path, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
        if (json == null) {
            request.POST(HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException(
                    "POST " + path + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Reads forgeline.tasks.leased from the beginning until every task's first task.leased record arrived. */
    static final class LeaseDeliveries implements AutoCloseable {
        private final KafkaConsumer<String, String> consumer;
        private final int n;
        private final Set<String> leasedTasks = new HashSet<>();
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private volatile boolean stop;
        private final Thread thread;
        long firstMs = Long.MAX_VALUE;
        long lastMs;

        private LeaseDeliveries(KafkaConsumer<String, String> consumer, int n) {
            this.consumer = consumer;
            this.n = n;
            this.thread = new Thread(this::poll, "lease-deliveries");
        }

        static LeaseDeliveries start(String bootstrapServers, int n) {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.TASKS_LEASED).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            LeaseDeliveries deliveries = new LeaseDeliveries(consumer, n);
            deliveries.thread.start();
            return deliveries;
        }

        private void poll() {
            try {
                while (!stop && leasedTasks.size() < n) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                        Envelope envelope = EventCodec.decode(record.value());
                        if (EventType.TASK_LEASED.wireName().equals(envelope.type())
                                && leasedTasks.add(envelope.specId() + "/" + envelope.taskId())) {
                            firstMs = Math.min(firstMs, record.timestamp());
                            lastMs = Math.max(lastMs, record.timestamp());
                        }
                    }
                }
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        }

        void await(Duration timeout, ChildProcess dispatcher) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.isDone()) {
                dispatcher.checkAlive();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "only " + leasedTasks.size() + " of " + n + " leases delivered within " + timeout);
                }
                Thread.sleep(100);
            }
            done.get();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(5_000);
            consumer.close();
        }
    }
}
