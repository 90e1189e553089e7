package dev.forgeline.embedded;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node KRaft broker (broker and controller combined) as a process of its own, on fixed ports and a
 * persistent log directory: a new process started on the same directory after a {@code kill -9} has the same
 * topics and committed offsets. {@link KafkaProcess} starts it.
 *
 * <p>Arguments: {@code <broker port> <controller port> <log directory> [<relay port> <relay advertised port>]}. The
 * directory is formatted on first use only. The optional relay listener is a second client listener that advertises
 * another port than its own: a TCP proxy on the advertised port (a slow or lossy link in a test) then carries every
 * connection of the clients that bootstrap through it, since they follow the advertised address.
 */
public final class KafkaServerMain {
    private KafkaServerMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3 && args.length != 5) {
            System.err.println("usage: KafkaServerMain <broker port> <controller port> <log directory>"
                    + " [<relay port> <relay advertised port>]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int controllerPort = Integer.parseInt(args[1]);
        Path logDirectory = Files.createDirectories(Path.of(args[2]).toAbsolutePath());
        Path data = Files.createDirectories(logDirectory.resolve("data"));
        Path config = logDirectory.resolve("server.properties");
        Properties props = serverProperties(port, controllerPort, data);
        if (args.length == 5) {
            addRelayListener(props, Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        }
        try (var out = Files.newOutputStream(config)) {
            props.store(out, "single-node KRaft broker");
        }
        if (!Files.exists(data.resolve("meta.properties"))) {
            format(data);
        }
        kafka.Kafka.main(new String[] {config.toString()});
    }

    static Properties serverProperties(int port, int controllerPort, Path data) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@localhost:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://localhost:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", data.toString());
        // the same settings as the in-JVM LocalKafka
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("auto.create.topics.enable", "true");
        p.setProperty("num.partitions", "4");
        return p;
    }

    /** A second PLAINTEXT listener on {@code port} whose clients are told to connect to {@code advertisedPort}. */
    static void addRelayListener(Properties p, int port, int advertisedPort) {
        p.setProperty("listeners", p.getProperty("listeners") + ",RELAY://localhost:" + port);
        p.setProperty(
                "advertised.listeners", p.getProperty("advertised.listeners") + ",RELAY://localhost:" + advertisedPort);
        p.setProperty(
                "listener.security.protocol.map", p.getProperty("listener.security.protocol.map") + ",RELAY:PLAINTEXT");
    }

    private static void format(Path data) throws Exception {
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(1)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(data.toString()))
                .setMetadataLogDirectory(data.toString())
                .setControllerListenerName("CONTROLLER")
                // the default would be the newest testing version, which released clients do not speak
                .setReleaseVersion(MetadataVersion.latestProduction())
                .run();
    }
}
