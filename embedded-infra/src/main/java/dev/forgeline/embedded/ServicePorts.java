package dev.forgeline.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free ports for processes started here, chosen below the kernel's range of ephemeral ports where it can: a port is
 * chosen before its process starts, and meanwhile any outgoing connection on the machine (a Kafka or JDBC client, a
 * build beside it) may be given a port of the ephemeral range, so one chosen there can be taken by the time the
 * process binds it.
 */
public final class ServicePorts {
    /** Where ports are chosen from (up to the ephemeral range). */
    private static final int FIRST = 20000;
    /**
     * Ports this JVM has handed out: a port is free when chosen but bound only later, so two choices made before
     * either process binds must not fall on the same one.
     */
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private ServicePorts() {}

    /** A port free on every address. */
    public static int free() {
        return free(null);
    }

    /** A port free on the given address (every address when null), not handed out before by this JVM. */
    public static synchronized int free(InetAddress address) {
        int below = ephemeralPortsStart();
        if (below - FIRST >= 1000) {
            for (int i = 0; i < 100; i++) {
                int port = ThreadLocalRandom.current().nextInt(FIRST, below);
                if (!HANDED_OUT.contains(port) && isFree(address, port)) {
                    HANDED_OUT.add(port);
                    return port;
                }
            }
        }
        try (ServerSocket socket = bound(address, 0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "no free port" + (address == null ? "" : " on " + address.getHostAddress()), e);
        }
    }

    public static boolean isFree(int port) {
        return isFree(null, port);
    }

    private static boolean isFree(InetAddress address, int port) {
        try (ServerSocket socket = bound(address, port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static ServerSocket bound(InetAddress address, int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            socket.bind(new InetSocketAddress(address, port));
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * The lowest port the kernel gives outgoing connections (Linux); 0 where it cannot be read. Read by lines: a
     * whole-file read of this /proc/sys file returns its first byte only.
     */
    private static int ephemeralPortsStart() {
        try {
            return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .get(0)
                    .trim()
                    .split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
