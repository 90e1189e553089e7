package dev.forgeline.stack;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The REST calls the command line and the system tests make to the services of a running stack. Every request
 * carries {@code Authorization: Bearer <token>} when a token is known.
 */
public final class ForgelineClient {
    private static final int MAX_RATE_LIMITED_RETRIES = 3;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<ServiceKind, URI> services = new EnumMap<>(ServiceKind.class);
    private final String token;
    /** Sent as the Forgeline-Reason header: why the action is taken, kept in the service's audit trail. */
    private String reason;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public ForgelineClient(URI planner, URI metrics) {
        this(planner, metrics, null);
    }

    /** @param dispatcher null when only the planner and metrics calls are made */
    public ForgelineClient(URI planner, URI metrics, URI dispatcher) {
        this(urls(planner, metrics, dispatcher), null);
    }

    /**
     * @param services the base URL of each service the calls go to
     * @param token    the bearer token every request sends; null sends none
     */
    public ForgelineClient(Map<ServiceKind, URI> services, String token) {
        this.services.putAll(services);
        this.token = token;
    }

    /** Every request of this client says why, in the {@code Forgeline-Reason} header; null sends none. */
    public ForgelineClient reason(String reason) {
        this.reason = reason == null || reason.isBlank() ? null : reason.strip();
        return this;
    }

    private static Map<ServiceKind, URI> urls(URI planner, URI metrics, URI dispatcher) {
        Map<ServiceKind, URI> urls = new EnumMap<>(ServiceKind.class);
        urls.put(ServiceKind.PLANNER, planner);
        urls.put(ServiceKind.METRICS, metrics);
        if (dispatcher != null) {
            urls.put(ServiceKind.DISPATCHER, dispatcher);
        }
        return urls;
    }

    /** A failed call, with the problem document the service answered. */
    public static final class ApiException extends RuntimeException {
        private final int status;
        private final JsonNode body;

        ApiException(URI uri, int status, JsonNode body) {
            super(uri + " answered " + status + ": " + oneLine(body));
            this.status = status;
            this.body = body;
        }

        public int status() {
            return status;
        }

        public JsonNode body() {
            return body;
        }

        private static String oneLine(JsonNode problem) {
            String title = problem.path("title").asText("");
            String detail = problem.path("detail").asText("");
            if (title.isEmpty() && detail.isEmpty()) {
                return problem.isTextual() ? problem.asText() : "no problem details";
            }
            return detail.isEmpty() ? title : title.isEmpty() ? detail : title + ": " + detail;
        }
    }

    /** No service answered at the URL (not started, wrong port, refused the connection). */
    public static final class UnreachableException extends IllegalStateException {
        UnreachableException(String message, Throwable cause) {
            super(message, cause);
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
        return send(
                ServiceKind.PLANNER,
                "/specs" + query(parameters),
                b -> b.header("Content-Type", "text/markdown").POST(HttpRequest.BodyPublishers.ofString(markdown)),
                201);
    }

    /** POST /specs/lint: the planner's quality report of a spec, without creating anything. */
    public JsonNode lint(byte[] spec, Map<String, String> parameters) {
        return send(
                ServiceKind.PLANNER,
                "/specs/lint" + query(parameters),
                b -> b.header("Content-Type", "text/markdown").POST(HttpRequest.BodyPublishers.ofByteArray(spec)),
                200);
    }

    public JsonNode spec(String specId) {
        return get(ServiceKind.PLANNER, "/specs/" + encode(specId));
    }

    public JsonNode specs() {
        return get(ServiceKind.PLANNER, "/specs");
    }

    public JsonNode summary(String specId) {
        return get(ServiceKind.METRICS, "/metrics/summary" + (specId == null ? "" : "?specId=" + encode(specId)));
    }

    /** The dispatcher's view of a spec's tasks ({@code GET /tasks?specId=}), with why each READY one waits. */
    public JsonNode dispatcherTasks(String specId) {
        return get(ServiceKind.DISPATCHER, "/tasks?limit=1000&specId=" + encode(specId));
    }

    /** GET of a JSON resource; 200 expected. */
    public JsonNode get(ServiceKind service, String path) {
        return send(service, path, HttpRequest.Builder::GET, 200);
    }

    /** GET of a text resource (Markdown reports); 200 expected. */
    public String getText(ServiceKind service, String path) {
        HttpResponse<String> response = exchange(
                service,
                path,
                b -> b.header("Accept", "text/markdown, application/problem+json")
                        .GET());
        if (response.statusCode() != 200) {
            throw new ApiException(response.request().uri(), response.statusCode(), parse(response.body()));
        }
        return response.body();
    }

    /** POST with a JSON body ({@code null}: none); 200 expected. */
    public JsonNode post(ServiceKind service, String path, Object body) {
        String json;
        try {
            json = body == null ? "" : JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write the request body", e);
        }
        return send(
                service,
                path,
                b -> body == null
                        ? b.POST(HttpRequest.BodyPublishers.noBody())
                        : b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)),
                200);
    }

    /** A path segment or query value, percent-encoded. */
    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String query(Map<String, String> parameters) {
        StringBuilder query = new StringBuilder();
        new TreeMap<>(parameters)
                .forEach((name, value) -> query.append(query.length() == 0 ? '?' : '&')
                        .append(encode(name))
                        .append('=')
                        .append(encode(value)));
        return query.toString();
    }

    private JsonNode send(
            ServiceKind service,
            String path,
            java.util.function.UnaryOperator<HttpRequest.Builder> method,
            int expected) {
        HttpResponse<String> response = exchange(service, path, method);
        JsonNode body = parse(response.body());
        if (response.statusCode() != expected) {
            throw new ApiException(response.request().uri(), response.statusCode(), body);
        }
        return body;
    }

    private HttpResponse<String> exchange(
            ServiceKind service, String path, java.util.function.UnaryOperator<HttpRequest.Builder> method) {
        URI base = services.get(service);
        if (base == null) {
            throw new IllegalStateException("this client was made without the " + service.module() + "'s URL");
        }
        URI uri = URI.create(base.toString().replaceAll("/+$", "") + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (reason != null) {
            request.header("Forgeline-Reason", reason);
        }
        try {
            HttpRequest built = method.apply(request).build();
            HttpResponse<String> response =
                    http.send(built, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            // over the token's rate limit: wait as the service asks, a few times, before giving up with its problem
            for (int retry = 0; retry < MAX_RATE_LIMITED_RETRIES && response.statusCode() == 429; retry++) {
                Thread.sleep(retryAfter(response).toMillis());
                response = http.send(built, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            }
            return response;
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new UnreachableException(
                    "no " + service.module() + " answers at " + base + " (" + why
                            + "); is the stack running? (./forgeline up)",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The wait a 429 asks for ({@code Retry-After} in seconds), bounded so that a command never hangs long. */
    static Duration retryAfter(HttpResponse<?> response) {
        long seconds = response.headers()
                .firstValue("Retry-After")
                .map(value -> {
                    try {
                        return Long.parseLong(value.trim());
                    } catch (NumberFormatException e) {
                        return 1L;
                    }
                })
                .orElse(1L);
        return Duration.ofSeconds(Math.max(1, Math.min(seconds, 30)));
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(body.strip());
        }
    }
}
