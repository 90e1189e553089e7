package dev.forgeline.metrics.dashboards;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.forgeline.contracts.MetricNames.Instrument;
import dev.forgeline.contracts.MetricNames.Kind;

/**
 * The series names the OpenTelemetry Collector's {@code prometheus} exporter gives an OTLP metric, so the dashboards
 * are checked against what the collector really exports and not against the project's own idea of it.
 *
 * <p>A Java port of the name normalisation of opentelemetry-collector-contrib, {@code
 * pkg/translator/prometheus/normalize_name.go} ({@code normalizeName}, read at commit
 * 239be622b58f940fbbc86668b3e1a47d40004073; the feature gate {@code pkg.translator.prometheus.NormalizeName} is beta,
 * so on, in the collector 0.115.0 of docker-compose.yml, with the exporter's default {@code add_metric_suffixes:
 * true}):
 *
 * <ol>
 *   <li>the name is split into tokens at every character that is neither a letter nor a digit;
 *   <li>the unit is split at the first {@code /}; the main unit, unless blank or containing braces, is mapped
 *       ({@code s} to {@code seconds}, {@code By} to {@code bytes}, {@code 1} to nothing, ...; unmapped units stay
 *       as they are), cleaned to letters, digits and underscores, and appended unless the name already holds that
 *       token;
 *   <li>the per unit, under the same conditions, is mapped ({@code s} to {@code second}, ...) and appended as
 *       {@code per_<unit>};
 *   <li>a monotonic sum (a counter) drops any {@code total} token and ends in {@code total};
 *   <li>a gauge with unit {@code 1} drops any {@code ratio} token and ends in {@code ratio};
 *   <li>the tokens are joined with {@code _}, and a leading digit gets a {@code _} in front.
 * </ol>
 *
 * Histograms are exported as {@code <name>_bucket}, {@code <name>_sum} and {@code <name>_count}.
 */
final class CollectorPrometheusNames {
    /** OTLP (UCUM) units to Prometheus base-unit words. */
    private static final Map<String, String> UNITS = Map.ofEntries(
            Map.entry("d", "days"),
            Map.entry("h", "hours"),
            Map.entry("min", "minutes"),
            Map.entry("s", "seconds"),
            Map.entry("ms", "milliseconds"),
            Map.entry("us", "microseconds"),
            Map.entry("ns", "nanoseconds"),
            Map.entry("By", "bytes"),
            Map.entry("KiBy", "kibibytes"),
            Map.entry("MiBy", "mebibytes"),
            Map.entry("GiBy", "gibibytes"),
            Map.entry("TiBy", "tibibytes"),
            Map.entry("KBy", "kilobytes"),
            Map.entry("MBy", "megabytes"),
            Map.entry("GBy", "gigabytes"),
            Map.entry("TBy", "terabytes"),
            Map.entry("m", "meters"),
            Map.entry("V", "volts"),
            Map.entry("A", "amperes"),
            Map.entry("J", "joules"),
            Map.entry("W", "watts"),
            Map.entry("g", "grams"),
            Map.entry("Cel", "celsius"),
            Map.entry("Hz", "hertz"),
            Map.entry("1", ""),
            Map.entry("%", "percent"));

    /** The denominator of a rate unit ({@code By/s}) to the singular word that follows {@code per}. */
    private static final Map<String, String> PER_UNITS =
            Map.of("s", "second", "m", "minute", "h", "hour", "d", "day", "w", "week", "mo", "month", "y", "year");

    private CollectorPrometheusNames() {}

    /** The OTLP data type an instrument kind is exported as. */
    enum OtlpType {
        MONOTONIC_SUM,
        NON_MONOTONIC_SUM,
        GAUGE,
        HISTOGRAM;

        static OtlpType of(Kind kind) {
            return switch (kind) {
                case COUNTER -> MONOTONIC_SUM;
                case UP_DOWN_COUNTER -> NON_MONOTONIC_SUM;
                case GAUGE -> GAUGE;
                case HISTOGRAM -> HISTOGRAM;
            };
        }
    }

    /** The metric name the collector exports for an OTLP metric (a histogram's base name, without _bucket etc.). */
    static String name(String otlpName, String unit, OtlpType type) {
        List<String> tokens = new ArrayList<>(tokens(otlpName));
        String[] unitParts = unit.split("/", 2);
        String main = unitParts[0].strip();
        if (!main.isEmpty() && !containsBrace(main)) {
            String word = clean(UNITS.getOrDefault(main, main));
            if (!word.isEmpty() && !tokens.contains(word)) {
                tokens.add(word);
            }
        }
        if (unitParts.length > 1 && !unitParts[1].isEmpty()) {
            String per = unitParts[1].strip();
            if (!per.isEmpty() && !containsBrace(per)) {
                String word = clean(PER_UNITS.getOrDefault(per, per));
                if (!word.isEmpty() && !tokens.contains(word)) {
                    tokens.add("per");
                    tokens.add(word);
                }
            }
        }
        if (type == OtlpType.MONOTONIC_SUM) {
            tokens.removeIf("total"::equals);
            tokens.add("total");
        }
        if (unit.equals("1") && type == OtlpType.GAUGE) {
            tokens.removeIf("ratio"::equals);
            tokens.add("ratio");
        }
        String name = String.join("_", tokens);
        return !name.isEmpty() && Character.isDigit(name.charAt(0)) ? "_" + name : name;
    }

    /** Every series name Prometheus holds for an instrument once the collector exported it. */
    static List<String> series(Instrument instrument) {
        OtlpType type = OtlpType.of(instrument.kind());
        String name = name(instrument.name(), instrument.unit(), type);
        return type == OtlpType.HISTOGRAM ? List.of(name + "_bucket", name + "_sum", name + "_count") : List.of(name);
    }

    /** The metric name of an instrument (for a histogram, the base the _bucket/_sum/_count series share). */
    static String name(Instrument instrument) {
        return name(instrument.name(), instrument.unit(), OtlpType.of(instrument.kind()));
    }

    /** Runs of letters and digits; everything else separates tokens and is dropped. */
    private static List<String> tokens(String s) {
        return Arrays.stream(s.split("[^\\p{L}\\p{Nd}]+"))
                .filter(t -> !t.isEmpty())
                .toList();
    }

    private static String clean(String s) {
        return String.join("_", tokens(s));
    }

    private static boolean containsBrace(String s) {
        return s.indexOf('{') >= 0 || s.indexOf('}') >= 0;
    }
}
