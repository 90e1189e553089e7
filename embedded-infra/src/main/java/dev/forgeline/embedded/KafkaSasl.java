package dev.forgeline.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The users of a {@link KafkaProcess} that authenticates its clients (SASL_PLAINTEXT with SCRAM-SHA-512) and
 * authorises them with ACLs: one super user (the broker's own identity and the administrator who grants the ACLs)
 * and any number of ordinary users, who may do nothing until an ACL allows it.
 *
 * @param superUser     the super user's name
 * @param superPassword the super user's password
 * @param users         the ordinary users' passwords by name
 */
public record KafkaSasl(String superUser, String superPassword, Map<String, String> users) {
    public static final String SECURITY_PROTOCOL = "SASL_PLAINTEXT";
    public static final String MECHANISM = "SCRAM-SHA-512";
    // the formatter's SCRAM arguments and the JAAS line take names and passwords unquoted or in plain quotes
    private static final Pattern PLAIN_TOKEN = Pattern.compile("[A-Za-z0-9._-]+");

    public KafkaSasl {
        users = Map.copyOf(users);
        requirePlain(superUser);
        requirePlain(superPassword);
        users.forEach((name, password) -> {
            requirePlain(name);
            requirePlain(password);
        });
        if (users.containsKey(superUser)) {
            throw new IllegalArgumentException("the super user " + superUser + " is also named as an ordinary user");
        }
    }

    private static void requirePlain(String token) {
        if (token == null || !PLAIN_TOKEN.matcher(token).matches()) {
            throw new IllegalArgumentException(
                    "a Kafka user name or password may hold only letters, digits, '.', '_' and '-'");
        }
    }

    /** The settings a client of user {@code user} adds to its bootstrap servers: the keys the services set. */
    public static Map<String, Object> clientSettings(String user, String password) {
        return Map.of(
                "security.protocol",
                SECURITY_PROTOCOL,
                "sasl.mechanism",
                MECHANISM,
                "sasl.jaas.config",
                scramJaas(user, password));
    }

    /** The client settings of the super user. */
    public Map<String, Object> superUserSettings() {
        return clientSettings(superUser, superPassword);
    }

    /** The client settings of ordinary user {@code user}. */
    public Map<String, Object> userSettings(String user) {
        String password = users.get(user);
        if (password == null) {
            throw new IllegalArgumentException("no Kafka user " + user);
        }
        return clientSettings(user, password);
    }

    static String scramJaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    /** The storage formatter's {@code --add-scram} arguments: every user's SCRAM credential, the super user's too. */
    List<String> scramArguments() {
        List<String> arguments = new ArrayList<>();
        arguments.add(scramArgument(superUser, superPassword));
        new TreeMap<>(users).forEach((name, password) -> arguments.add(scramArgument(name, password)));
        return arguments;
    }

    private static String scramArgument(String user, String password) {
        return MECHANISM + "=[name=" + user + ",password=" + password + "]";
    }

    /** Writes the users to {@code file}, readable by its owner only (they hold passwords). */
    void store(Path file) {
        Properties p = new Properties();
        p.setProperty("super.user", superUser);
        p.setProperty("super.password", superPassword);
        users.forEach((name, password) -> p.setProperty("user." + name, password));
        try {
            createOwnerOnly(file);
            try (var out = Files.newOutputStream(file)) {
                p.store(out, "Kafka SASL users");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the Kafka users to " + file, e);
        }
    }

    /** Creates {@code file} anew, empty and readable by its owner only, before anything secret is written to it. */
    static void createOwnerOnly(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.deleteIfExists(file);
        Files.createFile(file);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // the file system has no POSIX permissions; the directory's own access applies
        }
    }

    public static KafkaSasl load(Path file) {
        Properties p = new Properties();
        try (var in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the Kafka users from " + file, e);
        }
        Map<String, String> users = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith("user.")) {
                users.put(key.substring("user.".length()), p.getProperty(key));
            }
        }
        return new KafkaSasl(p.getProperty("super.user"), p.getProperty("super.password"), users);
    }

    /** Passwords stay out of logs and exception messages. */
    @Override
    public String toString() {
        return "KafkaSasl[superUser=" + superUser + ", users=" + new TreeMap<>(users).keySet() + "]";
    }
}
