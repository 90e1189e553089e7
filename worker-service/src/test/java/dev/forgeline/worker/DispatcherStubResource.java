package dev.forgeline.worker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A real HTTP server standing in for the dispatcher's {@code POST /nodes} (the dispatcher is another module). It
 * refuses the first registration with 503, to exercise the worker's retry, and accepts the later ones. Tests read
 * what it received from {@code GET /received} (over HTTP, so nothing depends on which class loader runs this).
 */
public class DispatcherStubResource implements QuarkusTestResourceLifecycleManager {
    private final List<String> registrations = new CopyOnWriteArrayList<>();
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the dispatcher stub", e);
        }
        server.createContext("/nodes", exchange -> {
            if (!"POST".equals(exchange.getRequestMethod())) {
                respond(exchange, 405, "");
                return;
            }
            registrations.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            if (registrations.size() == 1) {
                respond(exchange, 503, "{\"title\":\"not yet\"}");
            } else {
                respond(exchange, 201, "{}");
            }
        });
        server.createContext(
                "/received", exchange -> respond(exchange, 200, "[" + String.join(",", registrations) + "]"));
        server.start();
        return Map.of(
                "forgeline.worker.dispatcher-url",
                "http://localhost:" + server.getAddress().getPort());
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
    }
}
