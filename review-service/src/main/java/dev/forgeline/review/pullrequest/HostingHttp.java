package dev.forgeline.review.pullrequest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.logging.Logger;

/**
 * JSON over HTTPS to one hosting API, with the token read from its mounted file at each call (so a rotated token
 * is picked up). Rate limits are waited out, never hammered: after a 403 or 429 that names a reset time or a
 * {@code retry-after}, every call to this API fails at once without a request until that time has passed.
 */
final class HostingHttp {
    private static final Logger LOG = Logger.getLogger(HostingHttp.class);
    /** When a secondary limit names no time, GitHub asks to wait at least a minute. */
    private static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(60);

    /** An answer: status and body (null when empty). */
    record Answer(int status, JsonNode body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        String message() {
            if (body == null) {
                return "HTTP " + status;
            }
            JsonNode message = body.get("message");
            if (message == null) {
                return "HTTP " + status + " " + body;
            }
            return message.isTextual() ? message.asText() : message.toString();
        }
    }

    private final String apiUrl;
    private final Supplier<Optional<String>> token;
    private final String tokenHeader;
    private final HttpClient client;
    private final ObjectMapper json;
    private final Duration timeout;
    private final Clock clock;
    private final AtomicReference<Instant> notBefore = new AtomicReference<>(Instant.EPOCH);

    HostingHttp(
            String apiUrl,
            Supplier<Optional<String>> token,
            String tokenHeader,
            ObjectMapper json,
            Duration timeout,
            Clock clock) {
        this.apiUrl = apiUrl.endsWith("/") ? apiUrl.substring(0, apiUrl.length() - 1) : apiUrl;
        this.token = token;
        this.tokenHeader = tokenHeader;
        this.json = json;
        this.timeout = timeout;
        this.clock = clock;
        this.client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Reads a token file: its first line, trimmed; empty when there is no file configured. */
    static Supplier<Optional<String>> tokenFile(Optional<Path> file) {
        return () -> file.map(path -> {
            try {
                return Files.readString(path).strip();
            } catch (IOException e) {
                throw new HostingException(0, "cannot read the token file configured for the host: " + e, null);
            }
        });
    }

    String apiUrl() {
        return apiUrl;
    }

    /** Until when this API asked to be left alone (in the past when it did not). */
    Instant notBefore() {
        return notBefore.get();
    }

    Answer get(String path) {
        return send("GET", path, null);
    }

    Answer send(String method, String path, Object body) {
        Instant now = clock.instant();
        Instant until = notBefore.get();
        if (now.isBefore(until)) {
            throw new HostingException(429, "rate limited by " + apiUrl + " until " + until, until);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(apiUrl + path))
                .timeout(timeout)
                .header("Accept", "application/json")
                .header("User-Agent", "forgeline-review");
        token.get()
                .ifPresent(t -> request.header(tokenHeader, tokenHeader.equals("Authorization") ? "Bearer " + t : t));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            try {
                request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
            } catch (IOException e) {
                throw new IllegalArgumentException(e);
            }
        }
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new HostingException(0, method + " " + apiUrl + path + " got no answer: " + e.getMessage(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostingException(0, method + " " + apiUrl + path + " was interrupted", null);
        }
        Answer answer = new Answer(response.statusCode(), parse(response.body()));
        Optional<Instant> limited = rateLimitedUntil(response, answer, clock.instant());
        if (limited.isPresent()) {
            notBefore.accumulateAndGet(limited.get(), (a, b) -> a.isAfter(b) ? a : b);
            LOG.warnf(
                    "%s rate limited Forgeline (%d on %s %s): no request to it before %s",
                    apiUrl, response.statusCode(), method, path, notBefore.get());
            throw new HostingException(
                    response.statusCode(), "rate limited by " + apiUrl + " until " + notBefore.get(), notBefore.get());
        }
        if (response.statusCode() >= 500) {
            throw new HostingException(
                    response.statusCode(),
                    method + " " + path + " failed on " + apiUrl + ": " + answer.message(),
                    null);
        }
        if (response.statusCode() == 401) {
            throw new HostingException(
                    401, apiUrl + " refused the credentials configured for the host: " + answer.message(), null);
        }
        return answer;
    }

    /**
     * GitHub: 403/429 with {@code retry-after} (secondary limit), or {@code x-ratelimit-remaining: 0} with {@code
     * x-ratelimit-reset} (primary); GitLab: 429 with {@code retry-after} or {@code ratelimit-reset}.
     */
    static Optional<Instant> rateLimitedUntil(HttpResponse<?> response, Answer answer, Instant now) {
        int status = response.statusCode();
        if (status != 403 && status != 429) {
            return Optional.empty();
        }
        var headers = response.headers();
        Optional<String> retryAfter = headers.firstValue("retry-after");
        if (retryAfter.isPresent()) {
            try {
                return Optional.of(now.plusSeconds(
                        Math.max(1, Long.parseLong(retryAfter.get().strip()))));
            } catch (NumberFormatException e) {
                return Optional.of(now.plus(DEFAULT_BACKOFF));
            }
        }
        boolean exhausted = headers.firstValue("x-ratelimit-remaining")
                .or(() -> headers.firstValue("ratelimit-remaining"))
                .map(v -> v.strip().equals("0"))
                .orElse(false);
        Optional<String> reset =
                headers.firstValue("x-ratelimit-reset").or(() -> headers.firstValue("ratelimit-reset"));
        if (exhausted || status == 429) {
            Instant until = reset.flatMap(HostingHttp::epochSecond).orElse(now.plus(DEFAULT_BACKOFF));
            return Optional.of(until.isAfter(now) ? until : now.plusSeconds(1));
        }
        String message = answer.message().toLowerCase(java.util.Locale.ROOT);
        if (message.contains("rate limit")) {
            return Optional.of(now.plus(DEFAULT_BACKOFF));
        }
        return Optional.empty();
    }

    private static Optional<Instant> epochSecond(String value) {
        try {
            return Optional.of(Instant.ofEpochSecond(Long.parseLong(value.strip())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return json.readTree(body);
        } catch (IOException e) {
            return json.getNodeFactory().objectNode().put("message", body.strip());
        }
    }
}
