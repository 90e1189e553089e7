package dev.forgeline.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code ./forgeline report [--spec ID] [--week YYYY-MM-DD]}: prints the running metrics service's weekly report,
 * or one spec's report, as Markdown.
 */
final class ReportCommand {
    private ReportCommand() {}

    static int run(Path home, List<String> args, PrintStream out, PrintStream err) {
        String spec = null;
        String week = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if ((arg.equals("--spec") || arg.equals("--week")) && i + 1 < args.size()) {
                if (arg.equals("--spec")) {
                    spec = args.get(++i);
                } else {
                    week = args.get(++i);
                }
            } else {
                err.println("usage: ./forgeline report [--spec SPEC_ID] [--week YYYY-MM-DD]");
                return 2;
            }
        }
        URI metrics = metricsUrl(home);
        String path = spec != null
                ? "/reports/specs/"
                        + URLEncoder.encode(spec, StandardCharsets.UTF_8).replace("+", "%20")
                : "/reports/weekly" + (week == null ? "" : "?week=" + URLEncoder.encode(week, StandardCharsets.UTF_8));
        URI uri = metrics.resolve(path);
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response;
        try {
            response = http.send(
                    HttpRequest.newBuilder(uri)
                            .timeout(Duration.ofSeconds(60))
                            .header("Accept", "text/markdown, application/problem+json")
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException | HttpTimeoutException e) {
            err.println("error: no metrics service answers at " + metrics
                    + " (start the local stack with ./forgeline up, or set FORGELINE_METRICS_URL)");
            return 1;
        } catch (IOException e) {
            err.println("error: cannot reach the metrics service at " + metrics + ": " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        if (response.statusCode() != 200) {
            err.println("error: " + uri + " answered " + response.statusCode() + ": " + detail(response.body()));
            return 1;
        }
        out.print(response.body());
        return 0;
    }

    /** The running stack's metrics URL, else FORGELINE_METRICS_URL, else the default port. */
    private static URI metricsUrl(Path home) {
        String metrics = System.getenv().getOrDefault("FORGELINE_METRICS_URL", "http://localhost:8085");
        Path file = LocalStack.stackFile(home.resolve(".forgeline/stack"));
        if (Files.exists(file)) {
            Properties props = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                props.load(in);
                metrics = props.getProperty("metrics.url", metrics);
            } catch (IOException e) {
                // an unreadable stack file: fall back to the environment or the default port
            }
        }
        return URI.create(metrics);
    }

    private static String detail(String body) {
        try {
            JsonNode problem = new ObjectMapper().readTree(body);
            if (problem != null && problem.hasNonNull("detail")) {
                return problem.get("detail").asText();
            }
        } catch (IOException e) {
            // not a problem document: show the body as it is
        }
        return body;
    }
}
