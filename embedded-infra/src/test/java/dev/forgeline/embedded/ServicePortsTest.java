package dev.forgeline.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class ServicePortsTest {

    @Test
    void aPortIsChosenBelowTheEphemeralRangeAndCanBeBound() throws IOException {
        int ephemeralStart = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                .get(0)
                .trim()
                .split("\\s+")[0]);
        for (int i = 0; i < 20; i++) {
            int port = ServicePorts.free();
            assertThat(port).isBetween(20000, ephemeralStart - 1);
            try (ServerSocket socket = new ServerSocket(port)) {
                assertThat(socket.getLocalPort()).isEqualTo(port);
            }
        }
    }

    @Test
    void portsChosenBeforeAnyIsBoundAreAllDifferent() {
        java.util.Set<Integer> chosen = new java.util.HashSet<>();
        for (int i = 0; i < 500; i++) {
            assertThat(chosen.add(ServicePorts.free())).as("port chosen twice").isTrue();
        }
    }

    @Test
    void aPortTakenOnTheAddressIsNotFree() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int port = ServicePorts.free(loopback);
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(loopback, port));
            assertThat(ServicePorts.isFree(port)).isFalse();
            assertThat(ServicePorts.free(loopback)).isNotEqualTo(port);
        }
    }
}
