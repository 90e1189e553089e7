package dev.forgeline.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link TcpProxy} in front of a real echo server on the loopback address, with real client sockets. */
class TcpProxyTest {
    private ServerSocket echo;
    private TcpProxy proxy;

    @BeforeEach
    void startEchoServerAndProxy() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread acceptor = new Thread(this::echoConnections, "echo-server");
        acceptor.setDaemon(true);
        acceptor.start();
        proxy = TcpProxy.start(0, "127.0.0.1", echo.getLocalPort());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echo.close();
    }

    @Test
    void forwardsBytesBothWaysInOrderUnderRandomLatency() throws IOException {
        proxy.latency(Duration.ZERO, Duration.ofMillis(20));
        byte[] sent = new byte[300_000];
        for (int i = 0; i < sent.length; i++) {
            sent[i] = (byte) (i * 31 + i / 256);
        }
        try (Socket client = connect()) {
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = client.getOutputStream();
                    for (int i = 0; i < sent.length; i += 1000) {
                        out.write(sent, i, Math.min(1000, sent.length - i));
                    }
                    client.shutdownOutput();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            byte[] received = client.getInputStream().readAllBytes();
            assertThat(Arrays.equals(received, sent))
                    .as(
                            "the %d bytes echoed back through the proxy equal those sent (%d)",
                            received.length, sent.length)
                    .isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openConnections() == 0);
        assertThat(proxy.injectedResets()).isZero();
    }

    @Test
    void delaysEveryChunkByTheLatencySetWhileTheConnectionIsOpen() throws IOException {
        try (Socket client = connect()) {
            long fast = roundTripNanos(client, "before");
            proxy.latency(Duration.ofMillis(150), Duration.ofMillis(250));
            long slow = roundTripNanos(client, "after");
            // one chunk each way through the proxy: at least twice the lowest latency
            assertThat(Duration.ofNanos(slow)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThat(Duration.ofNanos(fast)).isLessThan(Duration.ofNanos(slow));
            proxy.latency(Duration.ZERO, Duration.ZERO);
            assertThat(Duration.ofNanos(roundTripNanos(client, "again"))).isLessThan(Duration.ofMillis(300));
        }
    }

    @Test
    void cutAllResetsEveryOpenConnectionAndKeepsAcceptingNewOnes() throws IOException {
        try (Socket first = connect();
                Socket second = connect()) {
            roundTripNanos(first, "one");
            roundTripNanos(second, "two");
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openConnections() == 2);

            assertThat(proxy.cutAll()).isEqualTo(2);

            for (Socket client : new Socket[] {first, second}) {
                assertThatThrownBy(() -> client.getInputStream().read())
                        .isInstanceOf(SocketException.class)
                        .hasMessageContaining("reset");
            }
        }
        assertThat(proxy.injectedResets()).isEqualTo(2);
        try (Socket third = connect()) {
            assertThat(roundTripNanos(third, "three")).isPositive();
        }
        assertThat(proxy.connectionsAccepted()).isEqualTo(3);
    }

    @Test
    void aResetProbabilityOfOneResetsAConnectionOnItsFirstChunk() throws IOException {
        proxy.resetProbability(1.0);
        try (Socket client = connect()) {
            assertThatThrownBy(() -> roundTripNanos(client, "doomed"))
                    .isInstanceOf(SocketException.class)
                    .hasMessageContaining("reset");
        }
        assertThat(proxy.injectedResets()).isEqualTo(1);
        proxy.resetProbability(0);
        try (Socket client = connect()) {
            assertThat(roundTripNanos(client, "spared")).isPositive();
        }
    }

    @Test
    void rejectsSettingsThatAreNoRangeOrProbability() {
        assertThatThrownBy(() -> proxy.latency(Duration.ofMillis(300), Duration.ofMillis(100)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT0.3S");
        assertThatThrownBy(() -> proxy.resetProbability(1.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1.5");
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", proxy.port());
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Sends one short message and waits for its echo; returns the time the round trip took. */
    private static long roundTripNanos(Socket client, String message) throws IOException {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        long started = System.nanoTime();
        client.getOutputStream().write(bytes);
        byte[] echoed = new byte[bytes.length];
        new DataInputStream(client.getInputStream()).readFully(echoed);
        long took = System.nanoTime() - started;
        assertThat(new String(echoed, StandardCharsets.UTF_8)).isEqualTo(message);
        return took;
    }

    private void echoConnections() {
        while (!echo.isClosed()) {
            try {
                Socket connection = echo.accept();
                Thread handler = new Thread(() -> echoBack(connection), "echo-connection");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void echoBack(Socket connection) {
        try (connection) {
            InputStream in = connection.getInputStream();
            OutputStream out = connection.getOutputStream();
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
            connection.shutdownOutput();
        } catch (IOException e) {
            // the proxy reset the connection
        }
    }
}
