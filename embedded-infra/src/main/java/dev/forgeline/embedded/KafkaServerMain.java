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
 * <p>Arguments: {@code <broker port> <controller port> <log directory> [<relay port> <relay advertised port>
 * [<SASL users file>]]}. The directory is formatted on first use only. The optional relay listener is a second client
 * listener that advertises another port than its own: a TCP proxy on the advertised port (a slow or lossy link in a
 * test) then carries every connection of the clients that bootstrap through it, since they follow the advertised
 * address.
 *
 * <p>With a SASL users file ({@link KafkaSasl}) both client listeners take SASL_PLAINTEXT with SCRAM-SHA-512 (the
 * users' credentials are written into the metadata when the directory is formatted), the controller listener takes
 * SASL PLAIN for the super user only, and the StandardAuthorizer refuses whatever no ACL allows; the super user is
 * the broker's own identity towards itself and the one who grants the ACLs.
 */
public final class KafkaServerMain {
    private KafkaServerMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3 && args.length != 5 && args.length != 6) {
            System.err.println("usage: KafkaServerMain <broker port> <controller port> <log directory>"
                    + " [<relay port> <relay advertised port> [<SASL users file>]]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int controllerPort = Integer.parseInt(args[1]);
        Path logDirectory = Files.createDirectories(Path.of(args[2]).toAbsolutePath());
        Path data = Files.createDirectories(logDirectory.resolve("data"));
        Path config = logDirectory.resolve("server.properties");
        Properties props = serverProperties(port, controllerPort, data);
        if (args.length >= 5) {
            addRelayListener(props, Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        }
        KafkaSasl sasl = args.length == 6 ? KafkaSasl.load(Path.of(args[5])) : null;
        if (sasl != null) {
            secure(props, sasl);
        }
        if (sasl != null) {
            // the JAAS lines hold the super user's password
            KafkaSasl.createOwnerOnly(config);
        }
        try (var out = Files.newOutputStream(config)) {
            props.store(out, "single-node KRaft broker");
        }
        if (!Files.exists(data.resolve("meta.properties"))) {
            format(data, sasl);
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

    /**
     * Turns the client listeners (PLAINTEXT, renamed CLIENT, and RELAY if there is one) into SASL_PLAINTEXT with SCRAM-SHA-512 and
     * the controller listener into SASL_PLAINTEXT with PLAIN, and switches on the StandardAuthorizer with nothing
     * allowed that no ACL allows.
     */
    static void secure(Properties p, KafkaSasl sasl) {
        // the client listener is named for what it is now
        p.setProperty("listeners", p.getProperty("listeners").replace("PLAINTEXT://", "CLIENT://"));
        p.setProperty(
                "advertised.listeners", p.getProperty("advertised.listeners").replace("PLAINTEXT://", "CLIENT://"));
        p.setProperty("inter.broker.listener.name", "CLIENT");
        String protocols = p.getProperty("listener.security.protocol.map")
                .replace("PLAINTEXT:PLAINTEXT", "CLIENT:SASL_PLAINTEXT")
                .replace("CONTROLLER:PLAINTEXT", "CONTROLLER:SASL_PLAINTEXT")
                .replace("RELAY:PLAINTEXT", "RELAY:SASL_PLAINTEXT");
        p.setProperty("listener.security.protocol.map", protocols);
        p.setProperty("sasl.enabled.mechanisms", KafkaSasl.MECHANISM);
        // the broker reaches itself (inter-broker) as the super user
        p.setProperty("sasl.mechanism.inter.broker.protocol", KafkaSasl.MECHANISM);
        String scramJaas = KafkaSasl.scramJaas(sasl.superUser(), sasl.superPassword());
        String scram = KafkaSasl.MECHANISM.toLowerCase(java.util.Locale.ROOT);
        p.setProperty("listener.name.client." + scram + ".sasl.jaas.config", scramJaas);
        if (protocols.contains("RELAY:")) {
            p.setProperty("listener.name.relay." + scram + ".sasl.jaas.config", scramJaas);
        }
        // SCRAM credentials live in the metadata the controller serves, so the controller listener cannot use them:
        // PLAIN, with the super user as its only user
        p.setProperty("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        p.setProperty("sasl.mechanism.controller.protocol", "PLAIN");
        p.setProperty(
                "listener.name.controller.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + sasl.superUser()
                        + "\" password=\"" + sasl.superPassword() + "\" user_" + sasl.superUser() + "=\""
                        + sasl.superPassword() + "\";");
        p.setProperty("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.setProperty("allow.everyone.if.no.acl.found", "false");
        p.setProperty("super.users", "User:" + sasl.superUser());
    }

    private static void format(Path data, KafkaSasl sasl) throws Exception {
        Formatter formatter = new Formatter();
        if (sasl != null) {
            formatter.setScramArguments(sasl.scramArguments());
        }
        formatter
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
