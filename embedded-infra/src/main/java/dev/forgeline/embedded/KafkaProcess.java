package dev.forgeline.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A single-node KRaft broker ({@link KafkaServerMain}) in a JVM of its own, on fixed ports and a persistent log
 * directory, so that it can be killed ({@code kill -9}) and restarted with its topics and committed offsets.
 *
 * <p>Besides its own listener it has a relay listener ({@link #relayListener()}) that advertises another port: a
 * client bootstrapped at a TCP proxy on that port, forwarding to the relay listener, then reaches the broker only
 * through the proxy (a slow or lossy link in a fault test). Nothing listens on the advertised port unless a test
 * puts a proxy there.
 *
 * <p>Started with {@link #startWithSasl}, both client listeners authenticate with SASL (SCRAM-SHA-512) and the broker
 * refuses whatever no ACL allows, except to the super user: see {@link KafkaSasl} and {@link KafkaServerMain}.
 */
public final class KafkaProcess implements KafkaEndpoint {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private final int port;
    private final int controllerPort;
    private final Path directory;
    private final Path log;
    private final RelayListener relay;
    private final KafkaSasl sasl;
    private Process process;

    /**
     * @param port           where the broker listens for clients that should reach it through a proxy
     * @param advertisedPort the port on localhost the broker tells those clients to connect to: the proxy's
     */
    public record RelayListener(int port, int advertisedPort) {
        /** The bootstrap servers for a client that should reach the broker through the proxy. */
        public String bootstrapServers() {
            return "localhost:" + advertisedPort;
        }
    }

    private KafkaProcess(int port, int controllerPort, RelayListener relay, Path directory, Path log, KafkaSasl sasl) {
        this.port = port;
        this.sasl = sasl;
        this.controllerPort = controllerPort;
        this.relay = relay;
        this.directory = directory.toAbsolutePath();
        this.log = log.toAbsolutePath();
    }

    /**
     * Starts a new broker on free ports with its data under {@code directory} (emptied first) and returns once it
     * answers.
     *
     * @param log the broker's output, appended to across restarts
     */
    public static KafkaProcess start(Path directory, Path log) {
        return start(directory, log, false);
    }

    /**
     * @param keepData start on the topics and records a previous broker left in {@code directory} (on new ports);
     *                 false empties it first
     */
    public static KafkaProcess start(Path directory, Path log, boolean keepData) {
        return start(directory, log, keepData, null);
    }

    /**
     * Starts a new broker like {@link #start(Path, Path)} whose client listeners authenticate with SASL
     * (SASL_PLAINTEXT, SCRAM-SHA-512) and which allows nothing to anyone but the super user until an ACL does.
     *
     * @param keepData start on what a previous broker with SASL left in {@code directory}: its users are those it was
     *                 formatted with (and any added since), not those of {@code sasl}
     * @param sasl     the super user and the users created when the directory is formatted
     */
    public static KafkaProcess startWithSasl(Path directory, Path log, boolean keepData, KafkaSasl sasl) {
        return start(directory, log, keepData, java.util.Objects.requireNonNull(sasl, "sasl"));
    }

    private static KafkaProcess start(Path directory, Path log, boolean keepData, KafkaSasl sasl) {
        if (!keepData) {
            ChildJvm.deleteRecursively(directory);
        }
        KafkaProcess kafka = new KafkaProcess(
                ServicePorts.free(),
                ServicePorts.free(),
                new RelayListener(ServicePorts.free(), ServicePorts.free()),
                directory,
                log,
                sasl);
        kafka.launch();
        return kafka;
    }

    private synchronized void launch() {
        List<String> args = new ArrayList<>(List.of(
                String.valueOf(port),
                String.valueOf(controllerPort),
                directory.toString(),
                String.valueOf(relay.port()),
                String.valueOf(relay.advertisedPort())));
        if (sasl != null) {
            // in a file of the broker's directory rather than on its command line, where any process could read them
            Path users = saslUsersFile(directory);
            sasl.store(users);
            args.add(users.toString());
        }
        process = ChildJvm.start(
                KafkaServerMain.class, List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), args, log);
        awaitReady();
    }

    /** Waits until the broker answers a metadata request (its controller elected, the broker registered). */
    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Map<String, Object> settings = new HashMap<>(adminSettings());
        settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(settings)) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the Kafka broker exited during start-up; its log ends with:\n"
                            + ChildJvm.logTail(log, 30));
                }
                try {
                    if (!admin.describeCluster()
                            .nodes()
                            .get(3, TimeUnit.SECONDS)
                            .isEmpty()) {
                        return;
                    }
                } catch (Exception notYet) {
                    // not listening or no broker registered yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the Kafka broker did not answer within " + READY_TIMEOUT
                            + "; its log ends with:\n" + ChildJvm.logTail(log, 30));
                }
                ChildJvm.pause(200);
            }
        }
    }

    @Override
    public String bootstrapServers() {
        return "localhost:" + port;
    }

    /**
     * The settings of a client with every right on this broker: its bootstrap servers, and with SASL the super
     * user's credentials.
     */
    /** Where a broker with SASL keeps its users (with their passwords, readable by its owner only). */
    public static Path saslUsersFile(Path directory) {
        return directory.resolve("sasl-users.properties");
    }

    /** The users of a broker with SASL; null for a plaintext one. */
    public KafkaSasl sasl() {
        return sasl;
    }

    @Override
    public Map<String, Object> adminSettings() {
        Map<String, Object> settings = new HashMap<>();
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        if (sasl != null) {
            settings.putAll(sasl.superUserSettings());
        }
        return Map.copyOf(settings);
    }

    /** The listener for clients that reach the broker through a proxy of the caller's (the same after a restart). */
    public RelayListener relayListener() {
        return relay;
    }

    public synchronized long pid() {
        return process.pid();
    }

    public synchronized boolean isAlive() {
        return process.isAlive();
    }

    /** Kills the broker with SIGKILL (no clean shutdown, nothing flushed) and waits until it is gone. */
    public synchronized void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the Kafka broker " + process.pid() + " survived SIGKILL for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing the Kafka broker", e);
        }
    }

    /** Starts a new broker process on the same ports and log directory and returns once it answers. */
    public synchronized void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("the Kafka broker " + process.pid() + " is still running");
        }
        launch();
    }

    /** Stops the broker cleanly (SIGTERM), killing it if it has not stopped within 30 s. */
    @Override
    public synchronized void close() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
