package dev.forgeline.metrics.dashboards;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.forgeline.contracts.MetricNames;
import dev.forgeline.contracts.MetricNames.Instrument;

/** The series names a PromQL expression selects, and the instrument of MetricNames the collector exports each as. */
final class PromqlSeries {
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern NUMBER =
            Pattern.compile("(?<![A-Za-z_:])\\d+(\\.\\d+)?([eE][+-]?\\d+)?((ms|[smhdwy])\\b)*");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");
    private static final Set<String> KEYWORDS = Set.of(
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "bool",
            "and",
            "or",
            "unless",
            "offset",
            "inf",
            "nan",
            "Inf",
            "NaN");

    private PromqlSeries() {}

    /** Every series name the expression selects (function and aggregation names, labels and keywords left out). */
    static Set<String> in(String expr) {
        String rest = STRING.matcher(expr).replaceAll(" ");
        rest = MATCHERS.matcher(rest).replaceAll(" ");
        rest = RANGE.matcher(rest).replaceAll(" ");
        rest = GROUPING.matcher(rest).replaceAll(" ");
        rest = NUMBER.matcher(rest).replaceAll(" ");
        Set<String> series = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(rest);
        while (m.find()) {
            String name = m.group();
            String after = rest.substring(m.end()).stripLeading();
            if (KEYWORDS.contains(name) || after.startsWith("(")) {
                continue; // a function, an aggregation or an operator keyword
            }
            series.add(name);
        }
        return series;
    }

    /**
     * Every series name the OpenTelemetry Collector's Prometheus exporter produces for the instruments of
     * MetricNames (see {@link CollectorPrometheusNames}): the metric's name, and for histograms its _bucket, _sum
     * and _count series.
     */
    static Map<String, Instrument> known() {
        Map<String, Instrument> known = new TreeMap<>();
        for (Instrument instrument : MetricNames.ALL) {
            for (String series : CollectorPrometheusNames.series(instrument)) {
                known.put(series, instrument);
            }
        }
        return known;
    }
}
