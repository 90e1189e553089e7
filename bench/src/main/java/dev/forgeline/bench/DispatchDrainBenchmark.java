package dev.forgeline.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Benchmark 1, dispatch drain: {@code n} jobs ready before any worker capacity exists, then capacity appears; jobs
 * (leases) per second from the first to the last. Forgeline beside db-scheduler and JobRunr, tuned and default, on
 * one PostgreSQL server with its durable defaults, each run in a fresh JVM and a fresh database, the systems
 * interleaved within each round (A B C .. A B C ..).
 */
final class DispatchDrainBenchmark {
    static final String NAME = "dispatch-drain";

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

    record Options(int jobs, int rounds, List<System_> systems, Path home, Path out, boolean profile) {}

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
        BenchSupport.log("machine: " + machine);
        List<String> profiles = new ArrayList<>();
        try (BenchPostgres postgres = BenchPostgres.start(work.resolve("postgres"), options.profile())) {
            Map<String, Object> settings = postgres.durableSettings();
            BenchSupport.log("PostgreSQL: " + settings);
            ForgelineDrain forgeline = new ForgelineDrain(
                    postgres,
                    options.home().resolve("dispatcher-service/target/quarkus-app"),
                    BenchSupport.CHILD_JVM_OPTIONS,
                    BenchSupport::log,
                    options.profile() ? new StatementProfile(postgres) : null);
            for (int round = 1; round <= options.rounds(); round++) {
                for (System_ system : options.systems()) {
                    String database =
                            postgres.freshDatabase("drain_" + system.name().toLowerCase(Locale.ROOT) + "_" + round);
                    Path runWork = BenchSupport.fresh(work.resolve("round-" + round + "/" + system.id()));
                    BenchSupport.log("round " + round + ": " + system.label + ", " + options.jobs() + " jobs");
                    double loadBefore = BenchSupport.loadAverage();
                    DrainResult result;
                    try {
                        result = system == System_.FORGELINE
                                ? forgeline.run(database, options.jobs(), runWork)
                                : runChild(system, postgres.jdbcUrl(database), runWork);
                    } finally {
                        postgres.dropDatabase(database);
                    }
                    results.computeIfAbsent(system, s -> new ArrayList<>()).add(result);
                    if (system == System_.FORGELINE && forgeline.lastProfile() != null) {
                        profiles.add("round " + round + ": " + forgeline.lastProfile());
                    }
                    BenchSupport.log(String.format(
                            Locale.ROOT,
                            "round %d: %s %.0f jobs/s%s",
                            round,
                            system.label,
                            result.perSecond(),
                            result.extra().isEmpty() ? "" : " " + result.extra()));
                    Map<String, Object> line = line(date, round, system, result, machine, settings);
                    // other processes on the machine skew every figure: the load says how busy it was
                    line.put("loadAverageBefore", loadBefore);
                    line.put("loadAverageAfter", BenchSupport.loadAverage());
                    BenchSupport.append(options.out(), line);
                }
            }
        }
        System.out.println();
        System.out.print(table());
        profiles.forEach(p -> System.out.print(System.lineSeparator() + p));
        System.out.println("raw results: " + options.out());
    }

    private DrainResult runChild(System_ system, String jdbcUrl, Path work) throws Exception {
        JsonNode line = ChildDrain.run(
                system.id(),
                system.label,
                system.child,
                List.of(jdbcUrl, String.valueOf(options.jobs()), system.variant),
                work);
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

    private Map<String, Object> line(
            String date,
            int round,
            System_ system,
            DrainResult result,
            Map<String, Object> machine,
            Map<String, Object> settings) {
        Map<String, Object> line = BenchSupport.lineHead(NAME, date, round, system.label);
        line.put("jobs", result.n());
        line.put("firstMs", result.firstMs());
        line.put("lastMs", result.lastMs());
        line.put("seconds", (result.lastMs() - result.firstMs()) / 1000.0);
        line.put("counted", result.counted());
        line.put("perSecond", Double.isNaN(result.perSecond()) ? null : Math.round(result.perSecond()));
        line.putAll(result.extra());
        BenchSupport.lineTail(line, machine, settings);
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
        double median = BenchSupport.median(rates);
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
}
