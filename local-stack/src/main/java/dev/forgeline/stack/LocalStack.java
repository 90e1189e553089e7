package dev.forgeline.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.contracts.Topics;
import dev.forgeline.embedded.KafkaAclTable;
import dev.forgeline.embedded.KafkaEndpoint;
import dev.forgeline.embedded.KafkaProcess;
import dev.forgeline.embedded.KafkaSasl;
import dev.forgeline.embedded.LocalKafka;
import dev.forgeline.embedded.LocalPostgres;
import dev.forgeline.embedded.PostgresEndpoint;
import dev.forgeline.embedded.PostgresProcess;
import dev.forgeline.embedded.ServicePorts;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.support.auth.TokenStore;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBinding;

/**
 * The whole system on one machine: a real Kafka broker and a real PostgreSQL server (in this JVM, or restartable
 * processes of their own), and the five packaged services (planner, dispatcher, review, metrics and one worker) as
 * separate OS processes.
 */
public final class LocalStack implements AutoCloseable {

    /**
     * @param home          the Forgeline source tree (holds each service's target/quarkus-app)
     * @param workDirectory logs, database and broker data, worker worktrees
     * @param fixedPorts    use each service's default port (8081..8085); otherwise free ports
     * @param workerCapacity the stack's own worker's slots; 0 starts no worker on this machine (workers join from
     *                       other hosts, as {@code ./forgeline worker} does)
     * @param restartableInfrastructure run the broker in a JVM of its own ({@link KafkaProcess}) and PostgreSQL on a
     *                       fixed port ({@link PostgresProcess}), so that either can be killed and restarted while the
     *                       services run (fault tests); otherwise the broker runs in this JVM, which starts faster
     * @param keepData       start on the database and broker data a previous stack left in the work directory
     *                       ({@code ./forgeline up}); implies restartable infrastructure, whose data outlives the
     *                       processes
     */
    public record Options(
            Path home,
            Path workDirectory,
            boolean fixedPorts,
            String workerName,
            int workerCapacity,
            String workerAgent,
            Map<String, String> extraEnvironment,
            boolean restartableInfrastructure,
            boolean keepData,
            boolean kafkaSasl) {
        public Options(
                Path home,
                Path workDirectory,
                boolean fixedPorts,
                String workerName,
                int workerCapacity,
                String workerAgent,
                Map<String, String> extraEnvironment,
                boolean restartableInfrastructure,
                boolean keepData) {
            this(
                    home,
                    workDirectory,
                    fixedPorts,
                    workerName,
                    workerCapacity,
                    workerAgent,
                    extraEnvironment,
                    restartableInfrastructure,
                    keepData,
                    false);
        }

        public Options(
                Path home,
                Path workDirectory,
                boolean fixedPorts,
                String workerName,
                int workerCapacity,
                String workerAgent,
                Map<String, String> extraEnvironment,
                boolean restartableInfrastructure) {
            this(
                    home,
                    workDirectory,
                    fixedPorts,
                    workerName,
                    workerCapacity,
                    workerAgent,
                    extraEnvironment,
                    restartableInfrastructure,
                    false);
        }

        public Options(
                Path home,
                Path workDirectory,
                boolean fixedPorts,
                String workerName,
                int workerCapacity,
                String workerAgent,
                Map<String, String> extraEnvironment) {
            this(home, workDirectory, fixedPorts, workerName, workerCapacity, workerAgent, extraEnvironment, false);
        }

        public static Options defaults(Path home, Path workDirectory) {
            return new Options(home, workDirectory, true, "local-worker-1", 2, "simulated", Map.of());
        }

        public Options withFreePorts() {
            return new Options(
                    home,
                    workDirectory,
                    false,
                    workerName,
                    workerCapacity,
                    workerAgent,
                    extraEnvironment,
                    restartableInfrastructure,
                    keepData,
                    kafkaSasl);
        }

        public Options withRestartableInfrastructure() {
            return new Options(
                    home,
                    workDirectory,
                    fixedPorts,
                    workerName,
                    workerCapacity,
                    workerAgent,
                    extraEnvironment,
                    true,
                    keepData,
                    kafkaSasl);
        }

        /** Keep the database and the broker's topics between runs. */
        public Options withKeptData() {
            return new Options(
                    home,
                    workDirectory,
                    fixedPorts,
                    workerName,
                    workerCapacity,
                    workerAgent,
                    extraEnvironment,
                    true,
                    true,
                    kafkaSasl);
        }

        /**
         * The broker authenticates every client (SASL SCRAM-SHA-512, a user per service) and allows each only what
         * the ACL table of docs/security.md grants it; runs the broker as a process of its own.
         */
        public Options withKafkaSasl() {
            return new Options(
                    home,
                    workDirectory,
                    fixedPorts,
                    workerName,
                    workerCapacity,
                    workerAgent,
                    extraEnvironment,
                    true,
                    keepData,
                    true);
        }
    }

    /** In the work directory: the token store every service reads, and the tokens the stack made for itself. */
    public static final String TOKENS_FILE = "tokens";

    public static final String ADMIN_TOKEN_FILE = "admin-token";
    public static final String WORKER_TOKEN_FILE = "worker-token";
    /** The token the review service's board reads the planner and the dispatcher with. */
    public static final String BOARD_TOKEN_FILE = "board-token";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Options options;
    private final Map<ServiceKind, Integer> ports = new EnumMap<>(ServiceKind.class);
    private final Map<ServiceKind, ServiceProcess> processes = new EnumMap<>(ServiceKind.class);
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private TokenStore tokens;
    private String adminToken;
    private PostgresEndpoint postgres;
    private KafkaEndpoint kafka;
    private boolean closed;

    private LocalStack(Options options) {
        this.options = options;
    }

    /** Starts everything and returns once every service reports ready; on failure stops what it started. */
    public static LocalStack start(Options options, Consumer<String> progress) {
        LocalStack stack = new LocalStack(options);
        try {
            stack.startAll(progress);
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private void startAll(Consumer<String> progress) {
        Path work = mkdirs(options.workDirectory());
        for (ServiceKind kind : ServiceKind.values()) {
            int port = options.fixedPorts() ? kind.defaultPort() : ServicePorts.free();
            if (options.fixedPorts() && !ServicePorts.isFree(port)) {
                throw new IllegalStateException("port " + port + " for " + kind.module()
                        + " is in use: is another Forgeline stack running? (./forgeline down)");
            }
            ports.put(kind, port);
        }
        progress.accept("starting PostgreSQL and Kafka");
        // stopped by close(), after the services: a shutdown hook of its own would stop it under them
        if (options.kafkaSasl()) {
            postgres = PostgresProcess.start(work.resolve("postgres"), options.keepData());
            kafka = KafkaProcess.startWithSasl(
                    mkdirs(work.resolve("kafka")),
                    work.resolve("logs").resolve("kafka.log"),
                    options.keepData(),
                    kafkaUsers(work.resolve("kafka")));
        } else if (options.restartableInfrastructure()) {
            postgres = PostgresProcess.start(work.resolve("postgres"), options.keepData());
            kafka = KafkaProcess.start(
                    mkdirs(work.resolve("kafka")), work.resolve("logs").resolve("kafka.log"), options.keepData());
        } else {
            postgres = LocalPostgres.start(mkdirs(work.resolve("postgres")), 0, false);
            kafka = LocalKafka.start(mkdirs(work.resolve("kafka")));
        }
        kafka.createTopics(Topics.ALL);
        kafka.createTopics(Topics.DEAD_LETTERS);
        if (options.kafkaSasl()) {
            grantTheDocumentedAcls();
        }

        tokens = new TokenStore(work.resolve(TOKENS_FILE));
        adminToken = ensureToken(work.resolve(ADMIN_TOKEN_FILE), "admin", Roles.ADMIN);
        Map<String, String> common = new HashMap<>();
        // reachable from this machine only; a test that gives services hosts of their own overrides it
        common.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        common.put("FORGELINE_AUTH_TOKENS_FILE", tokens.file().toString());
        common.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        common.put("QUARKUS_DATASOURCE_JDBC_URL", postgres.jdbcUrl());
        common.put("QUARKUS_DATASOURCE_USERNAME", postgres.username());
        common.put("QUARKUS_DATASOURCE_PASSWORD", postgres.password());
        if (System.getenv("QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == null) {
            // no collector: spans are still made and propagated, but failed exports need not fill the logs
            common.put("QUARKUS_LOG_CATEGORY__IO_QUARKUS_OPENTELEMETRY_RUNTIME_EXPORTER__LEVEL", "ERROR");
        }
        common.putAll(options.extraEnvironment());

        for (ServiceKind kind : ServiceKind.values()) {
            if (kind == ServiceKind.WORKER && !hasOwnWorker()) {
                continue;
            }
            Map<String, String> env = new HashMap<>(common);
            env.put("QUARKUS_HTTP_PORT", String.valueOf(ports.get(kind)));
            env.putAll(kafkaClientEnvironment(principal(kind)));
            if (kind == ServiceKind.WORKER) {
                env.put("FORGELINE_WORKER_NODE_NAME", options.workerName());
                env.put(
                        "FORGELINE_WORKER_TOKEN",
                        ensureToken(work.resolve(WORKER_TOKEN_FILE), options.workerName(), Roles.WORKER));
                env.put("FORGELINE_WORKER_CAPACITY", String.valueOf(options.workerCapacity()));
                env.put("FORGELINE_WORKER_AGENT", options.workerAgent());
                env.put(
                        "FORGELINE_WORKER_DISPATCHER_URL",
                        url(ServiceKind.DISPATCHER).toString());
                env.put(
                        "FORGELINE_WORKER_WORKSPACE",
                        mkdirs(work.resolve("worker")).toString());
            }
            if (kind == ServiceKind.REVIEW) {
                // the board (/ui/board) reads the planner and the dispatcher
                env.put(
                        "FORGELINE_REVIEW_BOARD_PLANNER_URL",
                        url(ServiceKind.PLANNER).toString());
                env.put(
                        "FORGELINE_REVIEW_BOARD_DISPATCHER_URL",
                        url(ServiceKind.DISPATCHER).toString());
                // it only reads (GET): its own token, so that revoking it touches nothing else
                env.put(
                        "FORGELINE_REVIEW_BOARD_SERVICE_TOKEN",
                        ensureToken(work.resolve(BOARD_TOKEN_FILE), "review-board", Roles.REVIEWER));
            }
            Path app = options.home().resolve(kind.module()).resolve("target").resolve("quarkus-app");
            processes.put(
                    kind,
                    ServiceProcess.start(
                            kind.module(), app, env, work.resolve("logs").resolve(kind.module() + ".log")));
        }
        progress.accept("starting "
                + String.join(
                        ", ",
                        processes.values().stream().map(ServiceProcess::name).toList()));
        awaitReady(Duration.ofSeconds(120), List.copyOf(processes.keySet()));
        writeStackFile();
    }

    /**
     * Starts services again after they were {@link ServiceProcess#kill() killed}, all at once, and returns once each
     * reports ready (for the worker: registered with the dispatcher again).
     */
    public void restart(ServiceKind... kinds) {
        for (ServiceKind kind : kinds) {
            processes.get(kind).restart();
        }
        awaitReady(Duration.ofSeconds(120), List.of(kinds));
        writeStackFile();
    }

    /**
     * Starts one stopped service again with {@code environmentChanges} applied to its environment (and kept for
     * later restarts), and returns once it reports ready.
     */
    public void restart(ServiceKind kind, Map<String, String> environmentChanges) {
        processes.get(kind).restart(environmentChanges);
        awaitReady(Duration.ofSeconds(120), List.of(kind));
        writeStackFile();
    }

    /** The broker, when the stack runs it as a process of its own ({@link Options#restartableInfrastructure()}). */
    public KafkaProcess kafkaProcess() {
        if (kafka instanceof KafkaProcess process) {
            return process;
        }
        throw new IllegalStateException("the broker runs in this JVM: start the stack with restartable infrastructure");
    }

    /** The database server, when the stack runs it restartable ({@link Options#restartableInfrastructure()}). */
    public PostgresProcess postgresProcess() {
        if (postgres instanceof PostgresProcess process) {
            return process;
        }
        throw new IllegalStateException(
                "PostgreSQL was started for this JVM only: start the stack with restartable infrastructure");
    }

    private void awaitReady(Duration timeout, List<ServiceKind> kinds) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ServiceKind> waiting = new ArrayList<>(kinds);
        while (!waiting.isEmpty()) {
            for (ServiceKind kind : List.copyOf(waiting)) {
                ServiceProcess process = processes.get(kind);
                if (!process.isAlive()) {
                    throw new IllegalStateException(
                            kind.module() + " exited during start-up; its log ends with:\n" + process.logTail(30));
                }
                if (isReady(kind)) {
                    waiting.remove(kind);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not ready within " + timeout + ": " + waiting);
            }
            if (!waiting.isEmpty()) {
                pause(Duration.ofMillis(250));
            }
        }
    }

    /** Healthy, and for the worker also registered with the dispatcher (else the first tasks would wait). */
    private boolean isReady(ServiceKind kind) {
        try {
            HttpResponse<Void> health = http.send(
                    HttpRequest.newBuilder(url(kind).resolve("/q/health/ready"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            if (health.statusCode() != 200 || kind != ServiceKind.WORKER) {
                return health.statusCode() == 200;
            }
            HttpResponse<String> worker = http.send(
                    HttpRequest.newBuilder(url(kind).resolve("/worker"))
                            .header("Authorization", "Bearer " + adminToken)
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return worker.statusCode() == 200
                    && JSON.readTree(worker.body()).path("registered").asBoolean();
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + kind.module(), e);
        }
    }

    /** False when the options ask for no worker on this machine (capacity 0). */
    private boolean hasOwnWorker() {
        return options.workerCapacity() > 0;
    }

    /** Writes the endpoints and process ids, so that other commands can find (and stop) this stack. */
    private void writeStackFile() {
        Properties props = new Properties();
        for (ServiceKind kind : processes.keySet()) {
            props.setProperty(kind.name().toLowerCase() + ".url", url(kind).toString());
            props.setProperty(
                    kind.name().toLowerCase() + ".pid",
                    String.valueOf(processes.get(kind).pid()));
        }
        props.setProperty("kafka.bootstrap.servers", kafka.bootstrapServers());
        props.setProperty("postgres.jdbc.url", postgres.jdbcUrl());
        props.setProperty("pid", String.valueOf(ProcessHandle.current().pid()));
        try (var out = Files.newBufferedWriter(stackFile(options.workDirectory()))) {
            props.store(out, "Forgeline local stack");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The token in {@code file} if the store still knows it, else a new one with this name and role, written to
     * {@code file} readable by its owner only: a stack started again keeps its tokens.
     */
    private String ensureToken(Path file, String name, String role) {
        try {
            if (Files.isRegularFile(file)) {
                String existing = Files.readString(file).strip();
                if (tokens.authenticate(existing).isPresent()) {
                    return existing;
                }
            }
            String secret = tokens.create(name, List.of(role), List.of(), null).secret();
            Files.deleteIfExists(file);
            Files.createFile(file);
            TokenStore.restrict(file);
            Files.writeString(file, secret + "\n");
            return secret;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the token file " + file, e);
        }
    }

    /** The stack's admin token (also in {@code admin-token} in the work directory). */
    public String adminToken() {
        return adminToken;
    }

    /** A new token in the stack's token store, e.g. a worker token for a node on another host. */
    public String createToken(String name, String... roles) {
        return tokens.create(name, List.of(roles), List.of(), null).secret();
    }

    /** A new token that carries only the given projects. */
    public String createProjectToken(String name, List<String> projects, String... roles) {
        return tokens.create(name, List.of(roles), projects, null).secret();
    }

    public static Path stackFile(Path workDirectory) {
        return workDirectory.resolve("stack.properties");
    }

    public URI url(ServiceKind kind) {
        return URI.create("http://localhost:" + ports.get(kind));
    }

    /** A client of every service of this stack that sends the stack's admin token. */
    public ForgelineClient client() {
        Map<ServiceKind, URI> urls = new EnumMap<>(ServiceKind.class);
        for (ServiceKind kind : ServiceKind.values()) {
            urls.put(kind, url(kind));
        }
        return new ForgelineClient(urls, adminToken);
    }

    public String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
    }

    public Path workDirectory() {
        return options.workDirectory();
    }

    public ServiceProcess process(ServiceKind kind) {
        return processes.get(kind);
    }

    /** Stops the services (worker first, so nothing new starts), then the broker and the database. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ServiceProcess worker = processes.get(ServiceKind.WORKER);
        if (worker != null) {
            worker.close();
        }
        List<Thread> stopping = new ArrayList<>();
        for (ServiceProcess process : processes.values()) {
            Thread stopper = new Thread(process::close, "stop-" + process.name());
            stopper.start();
            stopping.add(stopper);
        }
        for (Thread stopper : stopping) {
            try {
                stopper.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        quietly("Kafka", () -> {
            if (kafka != null) {
                kafka.close();
            }
        });
        quietly("PostgreSQL", () -> {
            if (postgres != null) {
                postgres.close();
            }
        });
        quietly("stack file", () -> {
            try {
                Files.deleteIfExists(stackFile(options.workDirectory()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Shutdown goes on past a part that fails to stop (after Ctrl-C a part may already be stopping). */
    private static void quietly(String what, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            System.err.println("stopping " + what + ": " + e.getMessage());
        }
    }

    /** The Kafka user of a service: its row of the ACL table. */
    static String principal(ServiceKind kind) {
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The broker's users: those a broker on kept data was formatted with (their passwords stored beside its data),
     * else new ones with random passwords, a user per service and a super user for the stack itself.
     */
    private KafkaSasl kafkaUsers(Path kafkaDirectory) {
        Path stored = KafkaProcess.saslUsersFile(kafkaDirectory);
        if (options.keepData() && Files.exists(stored)) {
            return KafkaSasl.load(stored);
        }
        if (options.keepData() && Files.exists(kafkaDirectory.resolve("data"))) {
            throw new IllegalStateException("the kept broker data under " + kafkaDirectory
                    + " was made without SASL; start with --fresh to run the broker with SASL");
        }
        Map<String, String> users = new TreeMap<>();
        for (ServiceKind kind : ServiceKind.values()) {
            users.put(principal(kind), randomPassword());
        }
        return new KafkaSasl("forgeline-stack", randomPassword(), users);
    }

    private static String randomPassword() {
        byte[] bytes = new byte[24];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }

    /** Read and Write for every service principal as the ACL table of docs/security.md grants them. */
    private void grantTheDocumentedAcls() {
        List<AclBinding> acls = new ArrayList<>();
        KafkaAclTable.read(options.home().resolve("docs").resolve("security.md"))
                .forEach(row -> acls.addAll(row.aclBindings()));
        try (Admin admin = Admin.create(kafka.adminSettings())) {
            admin.createAcls(acls).all().get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while granting the Kafka ACLs", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not grant the Kafka ACLs: " + e.getMessage(), e);
        }
    }

    /**
     * The environment that makes a process a Kafka client as {@code principal} (the {@code kafka.*} keys every
     * service reads); empty for a plaintext broker.
     */
    public Map<String, String> kafkaClientEnvironment(String principal) {
        if (!(kafka instanceof KafkaProcess process) || process.sasl() == null) {
            return Map.of();
        }
        Map<String, String> env = new HashMap<>();
        process.sasl()
                .userSettings(principal)
                .forEach((key, value) -> env.put(
                        "KAFKA_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_'), String.valueOf(value)));
        return env;
    }

    static Path mkdirs(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
