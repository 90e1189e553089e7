package dev.forgeline.worker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A real HTTP server standing in for the dispatcher (another module):
 * <ul>
 * <li>{@code POST /nodes} registration: it refuses the first with 503, to exercise the worker's retry, and accepts
 * the later ones; tests read what it received from {@code GET /received};</li>
 * <li>{@code GET /nodes/{name}/leases?after=&wait=} the node's lease feed, a long poll woken only by that node's
 * events, resuming after the last acknowledged position when {@code after} is missing, as the dispatcher does;
 * tests append an envelope to a node's feed with {@code POST /feed/{name}} and read what the node's polls asked
 * and got from {@code GET /feed/{name}/requests}; after {@code POST /forget/{name}} the node's feed answers 404
 * until the node registers again.</li>
 * </ul>
 * Tests talk to it over HTTP, so nothing depends on which class loader runs this.
 */
public class DispatcherStubResource implements QuarkusTestResourceLifecycleManager {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> registrations = new CopyOnWriteArrayList<>();
    /** Nodes the stub was told to forget (as a dispatcher restored from an older database): 404 until they register. */
    private final Set<String> forgotten = ConcurrentHashMap.newKeySet();
    /** Per node: its feed (index i holds seq i + 1), how far it was acknowledged, and the polls it answered. */
    private final Map<String, Feed> feeds = new HashMap<>();

    private HttpServer server;
    private ExecutorService executor;

    private static final class Feed {
        final List<String> envelopes = new ArrayList<>();
        long acked;
        final List<Map<String, Object>> requests = new ArrayList<>();
    }

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the dispatcher stub", e);
        }
        // long polls wait on their own threads
        executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        server.createContext("/nodes", exchange -> {
            String[] path = exchange.getRequestURI().getPath().split("/");
            if ("GET".equals(exchange.getRequestMethod()) && path.length == 4 && "leases".equals(path[3])) {
                if (forgotten.contains(path[2])) {
                    respond(
                            exchange,
                            404,
                            "{\"title\":\"Not Found\",\"detail\":\"node " + path[2] + " is not registered\"}");
                    return;
                }
                readFeed(exchange, path[2]);
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                respond(exchange, 405, "");
                return;
            }
            String registration = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            registrations.add(registration);
            forgotten.remove(JSON.readTree(registration).path("name").asText());
            if (registrations.size() == 1) {
                respond(exchange, 503, "{\"title\":\"not yet\"}");
            } else {
                respond(exchange, 201, "{}");
            }
        });
        server.createContext("/feed", exchange -> {
            String[] path = exchange.getRequestURI().getPath().split("/");
            String node = path[2];
            if ("POST".equals(exchange.getRequestMethod())) {
                String envelope = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                synchronized (feeds) {
                    feeds.computeIfAbsent(node, n -> new Feed()).envelopes.add(envelope);
                    feeds.notifyAll();
                }
                respond(exchange, 204, "");
            } else {
                String body;
                synchronized (feeds) {
                    body = JSON.writeValueAsString(feeds.computeIfAbsent(node, n -> new Feed()).requests);
                }
                respond(exchange, 200, body);
            }
        });
        server.createContext("/forget", exchange -> {
            forgotten.add(exchange.getRequestURI().getPath().split("/")[2]);
            respond(exchange, 204, "");
        });
        server.createContext(
                "/received", exchange -> respond(exchange, 200, "[" + String.join(",", registrations) + "]"));
        server.start();
        return Map.of(
                "forgeline.worker.dispatcher-url",
                "http://localhost:" + server.getAddress().getPort());
    }

    private void readFeed(HttpExchange exchange, String node) throws IOException {
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        Long after = query.containsKey("after") ? Long.valueOf(query.get("after")) : null;
        long waitMillis = TimeUnit.SECONDS.toMillis(Long.parseLong(query.getOrDefault("wait", "0")));
        long until = System.currentTimeMillis() + waitMillis;
        List<Map<String, Object>> events = new ArrayList<>();
        long from;
        synchronized (feeds) {
            Feed feed = feeds.computeIfAbsent(node, n -> new Feed());
            if (after != null) {
                feed.acked = Math.max(feed.acked, after);
            }
            from = after == null ? feed.acked : after;
            try {
                while (feed.envelopes.size() <= from && System.currentTimeMillis() < until) {
                    feeds.wait(Math.max(1, until - System.currentTimeMillis()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (int i = (int) from; i < feed.envelopes.size(); i++) {
                events.add(Map.of("seq", i + 1L, "type", "event", "envelope", feed.envelopes.get(i)));
            }
            Map<String, Object> request = new HashMap<>();
            request.put("after", after);
            request.put("events", events.size());
            feed.requests.add(request);
        }
        long next =
                events.isEmpty() ? from : (long) events.get(events.size() - 1).get("seq");
        respond(
                exchange,
                200,
                JSON.writeValueAsString(Map.of("node", node, "events", events, "next", next, "more", false)));
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    query.put(
                            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return query;
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
