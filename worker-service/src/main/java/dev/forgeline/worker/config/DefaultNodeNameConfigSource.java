package dev.forgeline.worker.config;

import java.net.InetAddress;
import java.util.Locale;
import java.util.Set;

import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Supplies the default {@code forgeline.worker.node-name}: the host name plus {@code -worker}. A config source
 * (rather than a mapping default) so that other properties can refer to it, such as the lease consumer's
 * {@code group.id}. Its low ordinal lets application.properties, system properties and environment override it.
 */
public class DefaultNodeNameConfigSource implements ConfigSource {
    public static final String PROPERTY = "forgeline.worker.node-name";
    private volatile String nodeName;

    @Override
    public Set<String> getPropertyNames() {
        return Set.of(PROPERTY);
    }

    @Override
    public String getValue(String propertyName) {
        if (!PROPERTY.equals(propertyName)) {
            return null;
        }
        String name = nodeName;
        if (name == null) {
            name = hostName().toLowerCase(Locale.ROOT) + "-worker";
            nodeName = name;
        }
        return name;
    }

    @Override
    public String getName() {
        return "forgeline-worker-default-node-name";
    }

    @Override
    public int getOrdinal() {
        return 50;
    }

    private static String hostName() {
        try {
            String host = InetAddress.getLocalHost().getHostName();
            if (host != null && !host.isBlank()) {
                return host;
            }
        } catch (Exception e) {
            // no resolvable host name: fall back to the environment
        }
        for (String variable : new String[] {"HOSTNAME", "COMPUTERNAME"}) {
            String value = System.getenv(variable);
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return "localhost";
    }
}
