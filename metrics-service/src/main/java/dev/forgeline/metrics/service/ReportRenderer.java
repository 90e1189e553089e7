package dev.forgeline.metrics.service;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

import dev.forgeline.metrics.service.Figures.Lag;
import dev.forgeline.metrics.service.Figures.Point;
import dev.forgeline.metrics.service.Figures.Rate;

/** Renders figures as Markdown tables shaped like the field reports. */
public final class ReportRenderer {
    private ReportRenderer() {}

    public static String render(String title, Figures f) {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(title).append("\n\n");

        var v = f.velocity();
        section(md, "Build velocity");
        table(
                md,
                List.of("figure", "value"),
                List.of(
                        List.of("tasks", String.valueOf(v.tasks())),
                        List.of("attempts", String.valueOf(v.attempts())),
                        List.of("agent compute hours", v.computeHours().toPlainString()),
                        List.of("lines added by succeeded attempts", String.valueOf(v.linesAdded())),
                        List.of("lines merged", String.valueOf(v.linesMerged())),
                        List.of("lines merged per agent compute hour", dec(v.linesMergedPerComputeHour())),
                        List.of("input tokens", String.valueOf(v.inputTokens())),
                        List.of("output tokens", String.valueOf(v.outputTokens()))));
        if (!v.wallClockSecondsBySpec().isEmpty()) {
            table(
                    md,
                    List.of("spec", "wall-clock"),
                    v.wallClockSecondsBySpec().entrySet().stream()
                            .map(e -> List.of(e.getKey(), duration(e.getValue())))
                            .toList());
        }
        if (!v.tasksByState().isEmpty()) {
            table(
                    md,
                    List.of("state", "tasks"),
                    v.tasksByState().entrySet().stream()
                            .map(e -> List.of(e.getKey(), String.valueOf(e.getValue())))
                            .toList());
        }

        var s = f.success();
        var sup = f.supervision();
        section(md, "Failure taxonomy");
        table(
                md,
                List.of("figure", "value"),
                List.of(
                        List.of("finished tasks", String.valueOf(s.finishedTasks())),
                        List.of(
                                "first-attempt success",
                                s.firstAttemptSuccesses() + " (" + pct(s.firstAttemptSuccessRate()) + ")"),
                        List.of(
                                "success with retries",
                                (s.firstAttemptSuccesses() + s.successesWithRetries()) + " ("
                                        + pct(s.successRateWithRetries()) + ")"),
                        List.of("zombies (orphaned attempts)", String.valueOf(sup.zombies())),
                        List.of("timeouts", String.valueOf(sup.timeouts())),
                        List.of("breakers open / openings", sup.breakersOpen() + " / " + sup.breakerOpenings())));
        java.util.TreeSet<String> classes =
                new java.util.TreeSet<>(sup.failedAttemptsByClass().keySet());
        classes.addAll(s.permanentFailuresByClass().keySet());
        if (!classes.isEmpty()) {
            table(
                    md,
                    List.of("failure class", "failed attempts", "retried", "permanent"),
                    classes.stream()
                            .map(c -> List.of(
                                    c,
                                    String.valueOf(sup.failedAttemptsByClass().getOrDefault(c, 0L)),
                                    String.valueOf(s.retriesByClass().getOrDefault(c, 0L)),
                                    String.valueOf(s.permanentFailuresByClass().getOrDefault(c, 0L))))
                            .toList());
        }

        var c = f.cost();
        section(md, "Cost by provider");
        table(md, List.of("provider", "cost (USD)"), money(c.byProvider()));
        md.append("Total ")
                .append(c.totalUsd().toPlainString())
                .append(" USD, of which estimated from the price table ")
                .append(c.estimatedUsd().toPlainString())
                .append(" USD.\n\n");
        table(md, List.of("model", "cost (USD)"), money(c.byModel()));
        table(md, List.of("agent profile", "cost (USD)"), money(c.byAgentProfile()));
        table(md, List.of("spec", "cost (USD)"), money(c.bySpec()));
        if (!c.budgets().isEmpty()) {
            table(
                    md,
                    List.of("budget", "spent (USD)", "budget (USD)", "used"),
                    c.budgets().stream()
                            .map(b -> List.of(
                                    b.scope() + " " + b.key(),
                                    b.spentUsd().toPlainString(),
                                    b.budgetUsd().toPlainString(),
                                    pct(b.used())))
                            .toList());
        }

        section(md, "Success by hour");
        table(
                md,
                List.of("hour (UTC)", "attempts", "succeeded", "rate"),
                s.byHourOfDay().entrySet().stream()
                        .map(e -> rate(String.format("%02d", e.getKey()), e.getValue()))
                        .toList());

        section(md, "Success by spec class");
        table(
                md,
                List.of("spec class", "finished", "merged", "rate"),
                s.bySpecQuality().entrySet().stream()
                        .map(e -> rate(e.getKey(), e.getValue()))
                        .toList());

        var r = f.review();
        section(md, "Review levels");
        table(
                md,
                List.of("level", "tasks"),
                r.levels().entrySet().stream()
                        .map(e -> List.of(String.valueOf(e.getKey()), String.valueOf(e.getValue())))
                        .toList());
        md.append("Auto-merged ")
                .append(r.autoMerged())
                .append(" of ")
                .append(r.merged())
                .append(" merged (")
                .append(pct(r.autoMergeShare()))
                .append(").");
        if (r.backlog() != null) {
            md.append(" Review backlog: ")
                    .append(r.backlog().pendingHighRisk())
                    .append(" level 2-3 of ")
                    .append(r.backlog().pendingTotal())
                    .append(" pending, capacity ")
                    .append(r.backlog().dailyCapacity())
                    .append(" a day (")
                    .append(pct(r.backlog().load()))
                    .append(")")
                    .append(r.backlog().holdBack() ? ", holding back risky tasks" : "")
                    .append('.');
        }
        md.append("\n\n");
        table(
                md,
                List.of("decision", "decisions", "lag p50", "lag p95"),
                f.decisionLag().entrySet().stream()
                        .map(e -> lag(e.getKey(), e.getValue()))
                        .toList());

        var ret = f.retention();
        section(md, "Retention");
        table(
                md,
                List.of("figure", "value"),
                List.of(
                        List.of("generated lines", String.valueOf(ret.generated())),
                        List.of("surviving lines", String.valueOf(ret.surviving())),
                        List.of("retention", pct(ret.ratio())),
                        List.of(
                                "last scan",
                                ret.lastScanAt() == null
                                        ? "never"
                                        : ret.lastScanAt().toString())));
        table(
                md,
                List.of("spec", "generated", "surviving", "retention"),
                ret.bySpec().entrySet().stream()
                        .map(e -> point(e.getKey(), e.getValue()))
                        .toList());
        table(
                md,
                List.of("week", "generated", "surviving", "retention"),
                ret.byWeek().entrySet().stream()
                        .map(e -> point(e.getKey().toString(), e.getValue()))
                        .toList());
        table(
                md,
                List.of("scan", "generated", "surviving", "retention"),
                ret.curve().stream()
                        .map(p -> List.of(
                                p.takenAt().toString(),
                                String.valueOf(p.generated()),
                                String.valueOf(p.surviving()),
                                pct(p.ratio())))
                        .toList());
        return md.toString();
    }

    private static void section(StringBuilder md, String name) {
        md.append("## ").append(name).append("\n\n");
    }

    private static void table(StringBuilder md, List<String> header, List<List<String>> rows) {
        md.append("| ").append(String.join(" | ", header)).append(" |\n|");
        header.forEach(h -> md.append("---|"));
        md.append('\n');
        if (rows.isEmpty()) {
            md.append("| ")
                    .append(String.join(" | ", header.stream().map(h -> "-").toList()))
                    .append(" |\n");
        }
        rows.forEach(row -> md.append("| ").append(String.join(" | ", row)).append(" |\n"));
        md.append('\n');
    }

    private static List<List<String>> money(Map<String, BigDecimal> by) {
        return by.entrySet().stream()
                .map(e -> List.of(e.getKey(), e.getValue().toPlainString()))
                .toList();
    }

    private static List<String> rate(String key, Rate rate) {
        return List.of(key, String.valueOf(rate.total()), String.valueOf(rate.succeeded()), pct(rate.rate()));
    }

    private static List<String> point(String key, Point p) {
        return List.of(key, String.valueOf(p.generated()), String.valueOf(p.surviving()), pct(p.ratio()));
    }

    private static List<String> lag(String kind, Lag lag) {
        return List.of(kind, String.valueOf(lag.count()), duration(lag.p50Seconds()), duration(lag.p95Seconds()));
    }

    /** A ratio as a percentage with one decimal; "-" when undefined. */
    static String pct(BigDecimal ratio) {
        return ratio == null
                ? "-"
                : ratio.movePointRight(2).setScale(1, RoundingMode.HALF_UP).toPlainString() + "%";
    }

    private static String dec(BigDecimal value) {
        return value == null ? "-" : value.toPlainString();
    }

    static String duration(long seconds) {
        long h = seconds / 3600;
        long m = seconds % 3600 / 60;
        long s = seconds % 60;
        return h > 0 ? String.format("%dh %02dm %02ds", h, m, s) : m > 0 ? String.format("%dm %02ds", m, s) : s + "s";
    }
}
