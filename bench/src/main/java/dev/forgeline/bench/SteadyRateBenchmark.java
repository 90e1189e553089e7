package dev.forgeline.bench;

import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Steady-rate benchmark: tasks (jobs) arrive at a fixed rate with capacity to spare; the latency from ready to
 * leased for Forgeline ({@link ForgelineSteadyRate}), from submit to execution start for db-scheduler and JobRunr
 * (no-op jobs submitted at the same rate in their child JVMs). The first {@code warmupSeconds} of each run are not
 * measured. Same PostgreSQL, fresh JVM and database per run, systems interleaved as in the dispatch drain.
 */
final class SteadyRateBenchmark {
    static final String NAME = "steady-rate";
    static final String SUBMIT_TO_START = "submit -> start";
    static final List<DispatchDrainBenchmark.System_> DEFAULT_SYSTEMS = List.of(
            DispatchDrainBenchmark.System_.FORGELINE,
            DispatchDrainBenchmark.System_.DB_SCHEDULER_TUNED,
            DispatchDrainBenchmark.System_.JOBRUNR_TUNED);

    record Options(
            int rate,
            int seconds,
            int warmupSeconds,
            int rounds,
            List<DispatchDrainBenchmark.System_> systems,
            Path home,
            Path out) {
        int total() {
            return rate * (warmupSeconds + seconds);
        }

        int warmup() {
            return rate * warmupSeconds;
        }
    }

    /** One row of the table: a system's figure in one round. */
    private record Row(String system, String measure, int round, Latencies latencies) {}

    private final Options options;
    private final List<Row> rows = new ArrayList<>();

    SteadyRateBenchmark(Options options) {
        this.options = options;
    }

    void run() throws Exception {
        Path work = options.home().resolve("bench/target/work/" + NAME);
        String date = DateTimeFormatter.ISO_INSTANT.format(Instant.now());
        Map<String, Object> machine = Machine.describe();
        BenchSupport.log("machine: " + machine);
        try (BenchPostgres postgres = BenchPostgres.start(work.resolve("postgres"))) {
            Map<String, Object> settings = postgres.durableSettings();
            BenchSupport.log("PostgreSQL: " + settings);
            ForgelineSteadyRate forgeline = new ForgelineSteadyRate(
                    postgres,
                    options.home().resolve("dispatcher-service/target/quarkus-app"),
                    BenchSupport.CHILD_JVM_OPTIONS,
                    BenchSupport::log);
            for (int round = 1; round <= options.rounds(); round++) {
                for (DispatchDrainBenchmark.System_ system : options.systems()) {
                    String database =
                            postgres.freshDatabase("steady_" + system.name().toLowerCase(Locale.ROOT) + "_" + round);
                    Path runWork = BenchSupport.fresh(work.resolve("round-" + round + "/" + system.id()));
                    BenchSupport.log("round " + round + ": " + system.label + ", " + options.rate() + "/s for "
                            + options.warmupSeconds() + " s warm-up + " + options.seconds() + " s");
                    double loadBefore = BenchSupport.loadAverage();
                    Map<String, Latencies> latencies;
                    Map<String, Object> extra = new LinkedHashMap<>();
                    try {
                        if (system == DispatchDrainBenchmark.System_.FORGELINE) {
                            ForgelineSteadyRate.Result result =
                                    forgeline.run(database, options.rate(), options.total(), options.warmup(), runWork);
                            latencies = result.latencies();
                            extra.putAll(result.extra());
                        } else {
                            latencies = Map.of(SUBMIT_TO_START, runChild(system, postgres.jdbcUrl(database), runWork));
                        }
                    } finally {
                        postgres.dropDatabase(database);
                    }
                    Map<String, Object> line = BenchSupport.lineHead(NAME, date, round, system.label);
                    line.put("ratePerSecond", options.rate());
                    line.put("seconds", options.seconds());
                    line.put("warmupSeconds", options.warmupSeconds());
                    for (Map.Entry<String, Latencies> figure : latencies.entrySet()) {
                        rows.add(new Row(system.label, figure.getKey(), round, figure.getValue()));
                        line.put(figure.getKey(), figure.getValue().toMap());
                        BenchSupport.log(String.format(
                                Locale.ROOT,
                                "round %d: %s %s p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                                round,
                                system.label,
                                figure.getKey(),
                                figure.getValue().p50(),
                                figure.getValue().p99(),
                                figure.getValue().max()));
                    }
                    line.putAll(extra);
                    line.put("loadAverageBefore", loadBefore);
                    line.put("loadAverageAfter", BenchSupport.loadAverage());
                    BenchSupport.lineTail(line, machine, settings);
                    BenchSupport.append(options.out(), line);
                }
            }
        }
        System.out.println();
        System.out.print(table());
        System.out.println("raw results: " + options.out());
    }

    private Latencies runChild(DispatchDrainBenchmark.System_ system, String jdbcUrl, Path work) throws Exception {
        JsonNode line = ChildDrain.run(
                system.id(),
                system.label,
                system.child,
                List.of(
                        jdbcUrl,
                        String.valueOf(options.total()),
                        system.variant,
                        String.valueOf(options.rate()),
                        String.valueOf(options.warmup())),
                work);
        if (!line.path("complete").asBoolean()) {
            throw new IllegalStateException(
                    system.label + " started only " + line.path("executed").asInt() + " of " + options.total()
                            + " jobs within " + ChildDrain.DRAIN_TIMEOUT_SECONDS + " s");
        }
        return Latencies.fromMap(line.path("submitToStart"));
    }

    String table() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "steady rate, %d tasks/s for %d s after %d s warm-up, latency in ms%n",
                options.rate(),
                options.seconds(),
                options.warmupSeconds()));
        out.append(String.format(
                Locale.ROOT,
                "%-24s %-30s %5s %7s %8s %8s %8s %8s%n",
                "system",
                "measure",
                "round",
                "count",
                "p50",
                "p95",
                "p99",
                "max"));
        for (Row row : rows) {
            out.append(String.format(
                    Locale.ROOT,
                    "%-24s %-30s %5d %s%n",
                    row.system(),
                    row.measure(),
                    row.round(),
                    row.latencies().row()));
        }
        return out.toString();
    }
}
