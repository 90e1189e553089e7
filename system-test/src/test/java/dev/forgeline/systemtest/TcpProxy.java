package dev.forgeline.systemtest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy on the loopback address that makes a link slow and lossy: every chunk it forwards is delayed by a
 * latency drawn from a range (in order: a chunk never overtakes the one before it), a chunk may reset its connection
 * with a given probability, and {@link #cutAll()} resets every connection at once. A reset closes both sockets with
 * {@code SO_LINGER 0}, so both ends see an RST ("connection reset"), as after a middlebox drop or a peer's crash.
 * All settings may change while connections are open.
 */
final class TcpProxy implements AutoCloseable {
    private static final int CHUNK = 64 * 1024;
    private static final byte[] END_OF_STREAM = new byte[0];

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong injectedResets = new AtomicLong();
    private volatile long minLatencyNanos;
    private volatile long maxLatencyNanos;
    private volatile double resetProbability;
    private volatile boolean closed;

    private TcpProxy(ServerSocket server, InetSocketAddress target) {
        this.server = server;
        this.target = target;
    }

    /** A proxy listening on {@code port} of the loopback address (0: a free one), forwarding to the target. */
    static TcpProxy start(int port, String targetHost, int targetPort) {
        try {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            TcpProxy proxy = new TcpProxy(server, new InetSocketAddress(targetHost, targetPort));
            daemon("tcp-proxy-accept-" + server.getLocalPort(), proxy::acceptLoop);
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot listen on port " + port + " for a proxy to " + targetHost + ":" + targetPort, e);
        }
    }

    int port() {
        return server.getLocalPort();
    }

    /** Each chunk forwarded from now on waits a latency drawn uniformly from {@code [min, max]}. */
    TcpProxy latency(Duration min, Duration max) {
        if (min.isNegative() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("latency range [" + min + ", " + max + "] is not a range");
        }
        minLatencyNanos = min.toNanos();
        maxLatencyNanos = max.toNanos();
        return this;
    }

    /** The probability, per chunk forwarded, that the proxy resets the chunk's connection instead. */
    TcpProxy resetProbability(double probability) {
        if (probability < 0 || probability > 1) {
            throw new IllegalArgumentException("reset probability " + probability + " is not in [0, 1]");
        }
        resetProbability = probability;
        return this;
    }

    /** Resets every open connection now; returns how many. New connections are accepted as before. */
    int cutAll() {
        int cut = 0;
        for (Link link : links) {
            if (link.reset(true)) {
                cut++;
            }
        }
        return cut;
    }

    long connectionsAccepted() {
        return accepted.get();
    }

    /** Connections the proxy reset so far, by {@link #cutAll()} and by chance (not those a peer reset). */
    long injectedResets() {
        return injectedResets.get();
    }

    int openConnections() {
        return links.size();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            accepted.incrementAndGet();
            Socket upstream = new Socket();
            try {
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                upstream.connect(target, 5000);
            } catch (IOException e) {
                // the target is down: the client sees its connection refused as a reset, as a dead route would
                abort(client);
                abort(upstream);
                continue;
            }
            Link link = new Link(client, upstream);
            links.add(link);
            link.start();
        }
    }

    /** The delay the next chunk adds, drawn from the current range. */
    private long latencyNanos() {
        long min = minLatencyNanos;
        long max = maxLatencyNanos;
        return max <= min ? min : ThreadLocalRandom.current().nextLong(min, max + 1);
    }

    /** Stops accepting and resets every open connection. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        cutAll();
    }

    private static void abort(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (SocketException e) {
            // not connected or already closed: closing is all that is left
        }
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    private static void daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** One proxied connection: two directions, each a reader that stamps chunks and a writer that delays them. */
    private final class Link {
        private final Socket client;
        private final Socket upstream;
        private final AtomicBoolean reset = new AtomicBoolean();
        private final AtomicLong directionsEnded = new AtomicLong();
        private final BlockingQueue<Chunk> towardsUpstream = new LinkedBlockingQueue<>();
        private final BlockingQueue<Chunk> towardsClient = new LinkedBlockingQueue<>();

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void start() {
            String name = "tcp-proxy-" + client.getPort();
            direction(name + "-up", client, towardsUpstream, upstream);
            direction(name + "-down", upstream, towardsClient, client);
        }

        private void direction(String name, Socket from, BlockingQueue<Chunk> queue, Socket to) {
            daemon(name + "-read", () -> read(from, queue));
            daemon(name + "-write", () -> write(queue, to));
        }

        private void read(Socket from, BlockingQueue<Chunk> queue) {
            byte[] buffer = new byte[CHUNK];
            long lastDue = 0;
            try {
                InputStream in = from.getInputStream();
                while (true) {
                    int n = in.read(buffer);
                    long due = Math.max(lastDue, System.nanoTime() + latencyNanos());
                    lastDue = due;
                    if (n < 0) {
                        queue.add(new Chunk(END_OF_STREAM, due));
                        return;
                    }
                    if (resetProbability > 0 && ThreadLocalRandom.current().nextDouble() < resetProbability) {
                        reset(true);
                        return;
                    }
                    queue.add(new Chunk(Arrays.copyOf(buffer, n), due));
                }
            } catch (IOException e) {
                reset(false);
            }
        }

        private void write(BlockingQueue<Chunk> queue, Socket to) {
            try {
                OutputStream out = to.getOutputStream();
                while (!reset.get()) {
                    Chunk chunk = queue.take();
                    long wait;
                    while ((wait = chunk.due() - System.nanoTime()) > 0 && !reset.get()) {
                        // the link's latency: this chunk is in flight until its due time
                        LockSupport.parkNanos(wait);
                    }
                    if (reset.get()) {
                        return;
                    }
                    if (chunk.bytes() == END_OF_STREAM) {
                        to.shutdownOutput();
                        if (directionsEnded.incrementAndGet() == 2) {
                            finish();
                        }
                        return;
                    }
                    out.write(chunk.bytes());
                    out.flush();
                }
            } catch (IOException e) {
                reset(false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                reset(false);
            }
        }

        /**
         * Resets both sockets (RST to both peers); false if this link had already ended.
         *
         * @param injected the proxy's own doing, not a reset or error passed on from a peer
         */
        boolean reset(boolean injected) {
            if (!reset.compareAndSet(false, true)) {
                return false;
            }
            links.remove(this);
            if (injected) {
                injectedResets.incrementAndGet();
            }
            abort(client);
            abort(upstream);
            wakeWriters();
            return true;
        }

        /** A writer waiting for its next chunk sees the link ended. */
        private void wakeWriters() {
            towardsUpstream.add(new Chunk(END_OF_STREAM, 0));
            towardsClient.add(new Chunk(END_OF_STREAM, 0));
        }

        /** Both peers closed their side cleanly: close without a reset. */
        private void finish() {
            if (reset.compareAndSet(false, true)) {
                links.remove(this);
                try {
                    client.close();
                    upstream.close();
                } catch (IOException e) {
                    // already closed
                }
                wakeWriters();
            }
        }
    }

    private record Chunk(byte[] bytes, long due) {}
}
