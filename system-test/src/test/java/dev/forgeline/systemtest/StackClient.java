package dev.forgeline.systemtest;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The system tests' client of a running stack's REST APIs: the calls of the CLI's client, each with the stack's
 * admin token in {@code Authorization: Bearer}.
 */
final class StackClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI planner;
    private final URI metrics;
    private final URI dispatcher;
    private final String token;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    StackClient(String token, URI planner, URI metrics) {
        this(token, planner, metrics, null);
    }

    /** @param dispatcher null when only the planner and metrics calls are made */
    StackClient(String token, URI planner, URI metrics, URI dispatcher) {
        this.token = token;
        this.planner = planner;
        this.metrics = metrics;
        this.dispatcher = dispatcher;
    }

    /** A failed call, with the problem document the service answered. */
    public static final class ApiException extends RuntimeException {
        private final int status;
        private final JsonNode body;

        ApiException(int status, JsonNode body) {
            super("HTTP " + status + ": " + body);
            this.status = status;
            this.body = body;
        }

        public int status() {
            return status;
        }

        public JsonNode body() {
            return body;
        }
    }

    /** POST /specs with the Markdown; {@code repository} (may be null) overrides the spec's Repository line. */
    public JsonNode submit(String markdown, String repository) {
        return submit(markdown, repository == null ? Map.of() : Map.of("repository", repository));
    }

    /**
     * POST /specs with the Markdown and query parameters such as {@code repository}, {@code format} or
     * {@code testCommand} (the test command of spec-kit and Kiro tasks, which name none).
     */
    public JsonNode submit(String markdown, Map<String, String> parameters) {
        StringBuilder query = new StringBuilder();
        new TreeMap<>(parameters)
                .forEach((name, value) -> query.append(query.length() == 0 ? '?' : '&')
                        .append(URLEncoder.encode(name, StandardCharsets.UTF_8))
                        .append('=')
                        .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return send(
                HttpRequest.newBuilder(planner.resolve("/specs" + query))
                        .header("Content-Type", "text/markdown")
                        .POST(HttpRequest.BodyPublishers.ofString(markdown)),
                201);
    }

    public JsonNode spec(String specId) {
        return send(HttpRequest.newBuilder(planner.resolve("/specs/" + specId)).GET(), 200);
    }

    public JsonNode specs() {
        return send(HttpRequest.newBuilder(planner.resolve("/specs")).GET(), 200);
    }

    public JsonNode summary(String specId) {
        String query = specId == null ? "" : "?specId=" + URLEncoder.encode(specId, StandardCharsets.UTF_8);
        return send(
                HttpRequest.newBuilder(metrics.resolve("/metrics/summary" + query))
                        .GET(),
                200);
    }

    /** The dispatcher's view of a spec's tasks ({@code GET /tasks?specId=}), with why each READY one waits. */
    public JsonNode dispatcherTasks(String specId) {
        if (dispatcher == null) {
            throw new IllegalStateException("this client was made without the dispatcher's URL");
        }
        return send(
                HttpRequest.newBuilder(dispatcher.resolve(
                                "/tasks?limit=1000&specId=" + URLEncoder.encode(specId, StandardCharsets.UTF_8)))
                        .GET(),
                200);
    }

    private JsonNode send(HttpRequest.Builder request, int expected) {
        try {
            HttpResponse<String> response = http.send(
                    request.timeout(Duration.ofSeconds(30))
                            .header("Authorization", "Bearer " + token)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
            if (response.statusCode() != expected) {
                throw new ApiException(response.statusCode(), body);
            }
            return body;
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach " + request.build().uri() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
