package dev.forgeline.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Benchmark 1, dispatch drain: {@code n} jobs ready before any worker capacity exists, then capacity appears; jobs
 * (leases) per second from the first to the last. Forgeline beside db-scheduler and JobRunr, tuned and default, on
 * one PostgreSQL server with its durable defaults, each run in a fresh JVM and a fresh database, the systems
 * interleaved within each round (A B C .. A B C ..).
 */
final class DispatchDrainBenchmark {
    static final String NAME = "dispatch-drain";
    /** The same heap for every child JVM: the dispatcher and the schedulers' drivers. */
    static final List<String> CHILD_JVM_OPTIONS = List.of("-Xmx512m");

    enum System_ {
        FORGELINE("Forgeline", null, null),
        DB_SCHEDULER_TUNED("db-scheduler (tuned)", DbSchedulerDrain.class, "tuned"),
        DB_SCHEDULER_DEFAULT("db-scheduler (default)", DbSchedulerDrain.class, "default"),
        JOBRUNR_TUNED("JobRunr (tuned)", JobRunrDrain.class, "tuned"),
        JOBRUNR_DEFAULT("JobRunr (default)", JobRunrDrain.class, "default");

        final String label;
        final Class<?> child;
        final String variant;

        System_(String label, Class<?> child, String variant) {
            this.label = label;
            this.child = child;
            this.variant = variant;
        }

        String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static System_ byId(String id) {
            return Arrays.stream(values())
                    .filter(s -> s.id().equals(id))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown system '" + id + "'; known: "
                            + Arrays.stream(values()).map(System_::id).toList()));
        }
    }

    record Options(int jobs, int rounds, List<System_> systems, Path home, Path out) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Options options;
    private final Map<System_, List<DrainResult>> results = new LinkedHashMap<>();

    DispatchDrainBenchmark(Options options) {
        this.options = options;
    }

    void run() throws Exception {
        Path work = options.home().resolve("bench/target/work");
        Files.createDirectories(options.out().getParent());
        String date = DateTimeFormatter.ISO_INSTANT.format(Instant.now());
        Map<String, Object> machine = Machine.describe();
        log("machine: " + machine);
        try (BenchPostgres postgres = BenchPostgres.start(work.resolve("postgres"))) {
            Map<String, Object> settings = postgres.durableSettings();
            log("PostgreSQL: " + settings);
            ForgelineDrain forgeline = new ForgelineDrain(
                    postgres,
                    options.home().resolve("dispatcher-service/target/quarkus-app"),
                    CHILD_JVM_OPTIONS,
                    DispatchDrainBenchmark::log);
            for (int round = 1; round <= options.rounds(); round++) {
                for (System_ system : options.systems()) {
                    String database =
                            postgres.freshDatabase("drain_" + system.name().toLowerCase(Locale.ROOT) + "_" + round);
                    Path runWork = fresh(work.resolve("round-" + round + "/" + system.id()));
                    log("round " + round + ": " + system.label + ", " + options.jobs() + " jobs");
                    double loadBefore = loadAverage();
                    DrainResult result;
                    try {
                        result = system == System_.FORGELINE
                                ? forgeline.run(database, options.jobs(), runWork)
                                : runChild(system, postgres.jdbcUrl(database), runWork);
                    } finally {
                        postgres.dropDatabase(database);
                    }
                    results.computeIfAbsent(system, s -> new ArrayList<>()).add(result);
                    log(String.format(
                            Locale.ROOT,
                            "round %d: %s %.0f jobs/s%s",
                            round,
                            system.label,
                            result.perSecond(),
                            result.extra().isEmpty() ? "" : " " + result.extra()));
                    Map<String, Object> line = line(date, round, system, result, machine, settings);
                    // other processes on the machine skew every figure: the load says how busy it was
                    line.put("loadAverageBefore", loadBefore);
                    line.put("loadAverageAfter", loadAverage());
                    append(line);
                }
            }
        }
        System.out.println();
        System.out.print(table());
        System.out.println("raw results: " + options.out());
    }

    private DrainResult runChild(System_ system, String jdbcUrl, Path work) throws Exception {
        List<String> arguments = List.of(
                "-cp",
                System.getProperty("java.class.path"),
                system.child.getName(),
                jdbcUrl,
                String.valueOf(options.jobs()),
                system.variant);
        try (ChildProcess child =
                ChildProcess.start(system.id(), CHILD_JVM_OPTIONS, arguments, Map.of(), work.resolve("child.log"))) {
            if (!child.waitFor(ChildDrain.DRAIN_TIMEOUT_SECONDS + 120)) {
                throw new IllegalStateException(system.label + " did not finish; see " + child.log());
            }
            JsonNode line = child.lines().stream()
                    .filter(l -> l.startsWith(ChildDrain.RESULT_PREFIX))
                    .map(l -> readTree(l.substring(ChildDrain.RESULT_PREFIX.length())))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(system.label + " exited with " + child.exitValue()
                            + " and no result; its log ends with:\n" + child.tail(30)));
            if (!line.path("complete").asBoolean()) {
                throw new IllegalStateException(
                        system.label + " executed only " + line.path("executed").asInt() + " of " + options.jobs()
                                + " jobs within " + ChildDrain.DRAIN_TIMEOUT_SECONDS + " s");
            }
            return new DrainResult(
                    system.label,
                    options.jobs(),
                    line.path("firstMs").asLong(),
                    line.path("lastMs").asLong(),
                    options.jobs() - 1,
                    Map.of("enqueueMs", line.path("enqueueMs").asLong()));
        }
    }

    private Map<String, Object> line(
            String date,
            int round,
            System_ system,
            DrainResult result,
            Map<String, Object> machine,
            Map<String, Object> settings) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("benchmark", NAME);
        line.put("date", date);
        line.put("round", round);
        line.put("system", system.label);
        line.put("jobs", result.n());
        line.put("firstMs", result.firstMs());
        line.put("lastMs", result.lastMs());
        line.put("seconds", (result.lastMs() - result.firstMs()) / 1000.0);
        line.put("counted", result.counted());
        line.put("perSecond", Double.isNaN(result.perSecond()) ? null : Math.round(result.perSecond()));
        line.putAll(result.extra());
        line.put("machine", machine);
        line.put("postgres", settings);
        line.put("versions", versions());
        line.put("childJvmOptions", CHILD_JVM_OPTIONS);
        return line;
    }

    String table() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "dispatch drain, %d jobs, %d round(s), jobs/s first to last%n",
                options.jobs(),
                options.rounds()));
        out.append(String.format(Locale.ROOT, "%-36s %4s  %-28s %8s%n", "system", "runs", "per run", "median"));
        Map<String, Double> medians = new LinkedHashMap<>();
        for (Map.Entry<System_, List<DrainResult>> entry : results.entrySet()) {
            List<Double> rates =
                    entry.getValue().stream().map(DrainResult::perSecond).toList();
            String label =
                    entry.getKey() == System_.FORGELINE ? "Forgeline, granted (lease rows)" : entry.getKey().label;
            medians.put(label, row(out, label, rates));
            if (entry.getKey() == System_.FORGELINE) {
                List<Double> delivered = entry.getValue().stream()
                        .map(r -> ((Number) r.extra().get("deliveredPerSecond")).doubleValue())
                        .toList();
                medians.put("Forgeline, delivered", row(out, "Forgeline, delivered (leases topic)", delivered));
            }
        }
        Double granted = medians.get("Forgeline, granted (lease rows)");
        Double delivered = medians.get("Forgeline, delivered");
        if (granted != null) {
            out.append(String.format(Locale.ROOT, "%nratios of medians (Forgeline / other): granted, delivered%n"));
            for (Map.Entry<String, Double> other : medians.entrySet()) {
                if (!other.getKey().startsWith("Forgeline")) {
                    out.append(String.format(
                            Locale.ROOT,
                            "  / %-28s %5.2f  %5.2f%n",
                            other.getKey(),
                            granted / other.getValue(),
                            delivered / other.getValue()));
                }
            }
        }
        return out.toString();
    }

    private static double row(StringBuilder out, String label, List<Double> rates) {
        double median = median(rates);
        out.append(String.format(
                Locale.ROOT,
                "%-36s %4d  %-28s %8.0f%n",
                label,
                rates.size(),
                String.join(
                        ", ",
                        rates.stream()
                                .map(r -> String.format(Locale.ROOT, "%.0f", r))
                                .toList()),
                median));
        return median;
    }

    /** An empty directory for one run's logs and broker data (a previous invocation's are deleted). */
    private static Path fresh(Path directory) throws IOException {
        if (Files.exists(directory)) {
            try (var paths = Files.walk(directory)) {
                for (Path path :
                        paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        return Files.createDirectories(directory);
    }

    /** The one-minute load average of the machine, -1 where the OS does not tell. */
    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int mid = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(mid) : (sorted.get(mid - 1) + sorted.get(mid)) / 2;
    }

    private void append(Map<String, Object> line) throws IOException {
        Files.writeString(
                options.out(),
                JSON.writeValueAsString(line) + "\n",
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    private static Map<String, String> versions() {
        Properties properties = new Properties();
        try (InputStream in = DispatchDrainBenchmark.class.getResourceAsStream("/bench-versions.properties")) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> versions = new LinkedHashMap<>();
        properties.stringPropertyNames().stream().sorted().forEach(k -> versions.put(k, properties.getProperty(k)));
        return versions;
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void log(String message) {
        System.out.println(
                DateTimeFormatter.ISO_LOCAL_TIME.format(Instant.now().atOffset(ZoneOffset.UTC)) + " " + message);
    }
}
