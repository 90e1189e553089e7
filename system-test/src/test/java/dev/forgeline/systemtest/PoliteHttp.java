package dev.forgeline.systemtest;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Sends a request as a well-behaved client of the rate-limited APIs does: a 429 is answered by waiting the
 * {@code Retry-After} the service gives (at most 30 s), a few times, before its answer is returned as it is. The
 * scenarios that read many specs in a row (the history checker, the soak) would otherwise fail on their own speed.
 */
final class PoliteHttp {
    private static final int MAX_RETRIES = 5;

    private PoliteHttp() {}

    static HttpResponse<String> send(HttpClient http, HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        for (int retry = 0; retry < MAX_RETRIES && response.statusCode() == 429; retry++) {
            long seconds = response.headers()
                    .firstValue("Retry-After")
                    .map(String::trim)
                    .filter(v -> v.matches("\\d{1,4}"))
                    .map(Long::parseLong)
                    .orElse(1L);
            Thread.sleep(Math.max(1, Math.min(seconds, 30)) * 1000);
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        return response;
    }
}
