package dev.forgeline.bench;

import java.io.IOException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.embedded.LocalKafka;
import dev.forgeline.embedded.ServicePorts;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The real dispatcher for one run: a fresh embedded Kafka broker (topics created first, as the local stack does) and
 * the packaged dispatcher-service as its own process with its production configuration, on a fresh database of the
 * benchmark's PostgreSQL. No worker runs, so no lease gets a heartbeat unless the benchmark sends one: the dispatcher
 * runs with a 10 min heartbeat interval and the tasks estimate 1 h, so that no lease is orphaned or timed out while
 * it is measured (with the defaults the supervisor orphans every silent lease 30 s after its grant).
 */
final class DispatcherUnderTest implements AutoCloseable {
    /** Lease deadlines are 1.5 x the estimate: no lease times out during a run. */
    static final long ESTIMATE_SECONDS = 3600;

    static final Duration STEP_TIMEOUT = Duration.ofMinutes(10);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final BenchPostgres postgres;
    private final String database;
    private final LocalKafka kafka;
    private ChildProcess dispatcher;
    private URI base;

    private DispatcherUnderTest(BenchPostgres postgres, String database, LocalKafka kafka) {
        this.postgres = postgres;
        this.database = database;
        this.kafka = kafka;
    }

    static DispatcherUnderTest start(
            BenchPostgres postgres, Path dispatcherApp, List<String> jvmOptions, String database, Path work)
            throws Exception {
        Path jar = dispatcherApp.resolve("quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist: build it first (./mvnw -pl dispatcher-service -am"
                    + " package -DskipTests, see bench/README.md)");
        }
        DispatcherUnderTest run = new DispatcherUnderTest(
                postgres, database, LocalKafka.start(Files.createDirectories(work.resolve("kafka"))));
        try {
            run.kafka.createTopics(Topics.ALL);
            int port = ServicePorts.free();
            Map<String, String> env = new LinkedHashMap<>();
            env.put("QUARKUS_HTTP_PORT", String.valueOf(port));
            env.put("KAFKA_BOOTSTRAP_SERVERS", run.bootstrapServers());
            env.put("QUARKUS_DATASOURCE_JDBC_URL", postgres.jdbcUrl(database));
            env.put("QUARKUS_DATASOURCE_USERNAME", BenchPostgres.USER);
            env.put("QUARKUS_DATASOURCE_PASSWORD", BenchPostgres.PASSWORD);
            // no collector here: spans are made and propagated as in the local stack, failed exports are not logged
            env.put("QUARKUS_LOG_CATEGORY__IO_QUARKUS_OPENTELEMETRY_RUNTIME_EXPORTER__LEVEL", "ERROR");
            // a long interval changes nothing in a dispatch round or in applying a heartbeat; the task estimate keeps
            // the deadlines long too (see the class comment)
            env.put("FORGELINE_DISPATCHER_HEARTBEAT_INTERVAL", "10m");
            // the bench measures dispatch, not token checks or rate limits (all its callers share one address)
            env.put("FORGELINE_AUTH_MODE", "off");
            env.put("FORGELINE_AUTH_RATE_LIMIT_ENABLED", "false");
            run.dispatcher = ChildProcess.start(
                    "dispatcher-service",
                    jvmOptions,
                    List.of("-jar", jar.toString()),
                    env,
                    work.resolve("dispatcher.log"));
            run.base = URI.create("http://localhost:" + port);
            run.awaitReady();
            return run;
        } catch (Exception | Error e) {
            run.close();
            throw e;
        }
    }

    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    ChildProcess process() {
        return dispatcher;
    }

    Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    private void awaitReady() throws Exception {
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

    /** Registers {@code count} nodes named {@code bench-node-0001..} through {@code POST /nodes}. */
    void registerNodes(int count, int slotsEach) throws Exception {
        for (int i = 0; i < count; i++) {
            post("/nodes", "{\"name\":\"%s\",\"capacity\":%d}".formatted(nodeName(i), slotsEach));
        }
    }

    static String nodeName(int i) {
        return "bench-node-%04d".formatted(i + 1);
    }

    /** A producer of the benchmark's events, acknowledged by the broker ({@code acks=all}). */
    KafkaProducer<String, String> producer(int lingerMs) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(lingerMs));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    /** A task.ready record of a task with no dependencies and no requirements, as the planner publishes it. */
    static ProducerRecord<String, String> taskReady(String spec, String task, String title) {
        TaskReady ready = new TaskReady(
                spec,
                title,
                task,
                "no-op " + task,
                "a task with no dependencies and no requirements",
                List.of(),
                "true",
                ESTIMATE_SECONDS,
                List.of(),
                "file:///nonexistent/bench.git",
                "main",
                0,
                Map.of(),
                null);
        Envelope envelope = Envelope.of(EventType.TASK_READY, spec, task, ready, Map.of());
        return new ProducerRecord<>(Topics.TASKS_READY, Topics.key(spec, task), EventCodec.encode(envelope));
    }

    /** Waits until the query counts at least {@code n}; fails if the dispatcher exits or the step times out. */
    void awaitCount(String sql, long n, String what) throws Exception {
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        long count;
        while ((count = count(sql)) < n) {
            dispatcher.checkAlive();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + count + " of " + n + " " + what + " within " + STEP_TIMEOUT);
            }
            Thread.sleep(200);
        }
    }

    long count(String sql) throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            // PostgreSQL names a column count(*) "count"
            return rs.getLong("count");
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0; // the schema is being migrated
            }
            throw e;
        }
    }

    /** The dispatcher's REST base URL. */
    URI base() {
        return base;
    }

    Connection connect() throws SQLException {
        return postgres.connect(database);
    }

    void post(String path, String json) throws Exception {
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

    String get(String path) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(base.resolve(path))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "GET " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    /**
     * Kills the dispatcher, then stops the broker. The run's figures are taken by then and its database is dropped
     * next: a graceful stop (the dispatcher's Kafka consumers leave their group one after the other, 2-3 s each on a
     * loaded machine, up to ChildProcess's 20 s) would only add time to every run. How the services stop cleanly is
     * the system tests' part.
     */
    @Override
    public void close() throws Exception {
        try {
            if (dispatcher != null) {
                dispatcher.kill();
            }
        } finally {
            kafka.close();
        }
    }
}
