package dev.forgeline.stack;

import java.io.PrintStream;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The text of {@code ./forgeline lint FILE}: the report of a running planner's {@code POST /specs/lint}, with the
 * spec's faults, and each task's quality class, score and reasons.
 */
final class LintCommand {
    private LintCommand() {}

    /** Whether the spec is valid and no task is VAGUE (the exit status of {@code ./forgeline lint}). */
    static boolean passes(JsonNode report) {
        for (JsonNode task : report.path("tasks")) {
            if (task.path("qualityClass").asText().equals("VAGUE")) {
                return false;
            }
        }
        return report.path("valid").asBoolean();
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
}
