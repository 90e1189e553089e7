package dev.forgeline.review;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A real HTTP server standing in for the planner ({@code /planner}) and the dispatcher ({@code /dispatcher}) the
 * board reads: it answers each GET with the JSON recorded for its path and query in a directory the test writes
 * ({@link #record}), and 404 for anything not recorded, so a test changes what the services answer while the
 * application runs.
 */
public class RecordedServicesResource implements QuarkusTestResourceLifecycleManager {
    static final String DIRECTORY_KEY = "forgeline.test.recorded-services-dir";
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            Path dir = Files.createDirectories(
                    Path.of("target", "recorded-services-" + System.nanoTime()).toAbsolutePath());
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                URI uri = exchange.getRequestURI();
                Path file = file(dir, uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
                byte[] body = Files.isRegularFile(file)
                        ? Files.readAllBytes(file)
                        : "{\"status\":404}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(Files.isRegularFile(file) ? 200 : 404, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.setExecutor(Executors.newFixedThreadPool(2));
            server.start();
            String root = "http://127.0.0.1:" + server.getAddress().getPort();
            return Map.of(
                    "forgeline.review.board.planner-url",
                    root + "/planner",
                    "forgeline.review.board.dispatcher-url",
                    root + "/dispatcher",
                    DIRECTORY_KEY,
                    dir.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** Records what a GET of {@code pathAndQuery} answers from now on; null removes it (then 404). */
    static void record(Path dir, String pathAndQuery, String json) throws IOException {
        Path file = file(dir, pathAndQuery);
        if (json == null) {
            Files.deleteIfExists(file);
        } else {
            // written whole, then moved: a request never reads half a file
            Path partial = Files.writeString(dir.resolve(file.getFileName() + ".partial"), json);
            Files.move(
                    partial,
                    file,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static Path file(Path dir, String pathAndQuery) {
        return dir.resolve(pathAndQuery.replaceAll("[^A-Za-z0-9-]", "_") + ".json");
    }
}
