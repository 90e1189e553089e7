package dev.forgeline.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code ./forgeline lint FILE [--planner URL] [--format F] [--test-command CMD]}: sends the spec to a running
 * planner's {@code POST /specs:lint} and prints its report: the spec's faults, and each task's quality class,
 * score and reasons. Creates nothing. Exit status 0 when the spec is valid and no task is VAGUE, 1 otherwise.
 */
final class LintCommand {
    static final String DEFAULT_PLANNER = "http://localhost:8081";

    private LintCommand() {}

    static int run(List<String> args, PrintStream out, PrintStream err) {
        String file = null;
        String planner = System.getenv().getOrDefault("FORGELINE_PLANNER_URL", DEFAULT_PLANNER);
        StringBuilder query = new StringBuilder();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if ((arg.equals("--planner") || arg.equals("--format") || arg.equals("--test-command"))
                    && i + 1 < args.size()) {
                String value = args.get(++i);
                switch (arg) {
                    case "--planner" -> planner = value;
                    case "--format" ->
                        query.append(query.isEmpty() ? "?" : "&")
                                .append("format=")
                                .append(encode(value));
                    default ->
                        query.append(query.isEmpty() ? "?" : "&")
                                .append("testCommand=")
                                .append(encode(value));
                }
            } else if (file == null && !arg.startsWith("--")) {
                file = arg;
            } else {
                err.println("usage: ./forgeline lint FILE [--planner URL] [--format F] [--test-command CMD]");
                return 2;
            }
        }
        if (file == null) {
            err.println("usage: ./forgeline lint FILE [--planner URL] [--format F] [--test-command CMD]");
            return 2;
        }
        Path path = Path.of(file);
        byte[] body;
        try {
            body = Files.readAllBytes(path);
        } catch (IOException e) {
            err.println("cannot read " + path + ": " + e.getMessage());
            return 1;
        }
        URI uri = URI.create(planner.replaceAll("/+$", "") + "/specs:lint" + query);
        HttpResponse<String> response;
        try {
            response = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .build()
                    .send(
                            HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(120))
                                    .header("Content-Type", "text/markdown")
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            err.println("no planner answers at " + planner + " (start one with ./forgeline up, or pass --planner URL"
                    + " or set FORGELINE_PLANNER_URL)");
            return 1;
        } catch (IOException e) {
            err.println("the planner at " + planner + " did not answer: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        JsonNode report;
        try {
            report = new ObjectMapper().readTree(response.body());
        } catch (IOException e) {
            err.println("the planner answered " + response.statusCode() + " with something that is not JSON");
            return 1;
        }
        if (response.statusCode() != 200) {
            err.println(path + ": " + report.path("title").asText("error") + " (" + response.statusCode() + "): "
                    + report.path("detail").asText(""));
            for (JsonNode e : report.path("errors")) {
                err.println("  " + where(path, e) + e.path("message").asText());
            }
            return 1;
        }
        return print(path, report, out);
    }

    static int print(Path path, JsonNode report, PrintStream out) {
        out.println(path + ": " + report.path("name").asText() + " ("
                + report.path("format").asText() + ")");
        for (JsonNode e : report.path("errors")) {
            out.println("  error " + where(path, e) + e.path("message").asText());
        }
        boolean vague = false;
        for (JsonNode task : report.path("tasks")) {
            String quality = task.path("qualityClass").asText();
            vague |= quality.equals("VAGUE");
            out.printf(
                    "  %-12s line %-4d %-16s %3d  %s%n",
                    task.path("taskId").asText(),
                    task.path("line").asInt(),
                    quality,
                    task.path("score").asInt(),
                    task.path("title").asText());
            for (JsonNode reason : task.path("reasons")) {
                out.println("      " + reason.path("code").asText() + ": "
                        + reason.path("detail").asText());
            }
            if (task.path("missing").size() > 0) {
                StringBuilder missing = new StringBuilder();
                task.path("missing")
                        .forEach(m ->
                                missing.append(missing.isEmpty() ? "" : ", ").append(m.asText()));
                out.println("      held for a decision; missing: " + missing);
            }
        }
        StringBuilder classes = new StringBuilder();
        report.path("classes")
                .fields()
                .forEachRemaining(c -> classes.append(classes.isEmpty() ? "" : ", ")
                        .append(c.getKey())
                        .append(' ')
                        .append(c.getValue().asInt()));
        out.println("  " + report.path("tasks").size() + " tasks: " + classes
                + (report.path("skipped").size() > 0
                        ? "; " + report.path("skipped").size() + " done or skipped"
                        : ""));
        return report.path("valid").asBoolean() && !vague ? 0 : 1;
    }

    private static String where(Path path, JsonNode error) {
        return error.hasNonNull("line") ? path + ":" + error.path("line").asInt() + ": " : "";
    }

    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
    }
}
