package dev.forgeline.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code java -jar bench/target/forgeline-bench.jar <benchmark> [options]}, run from the root of the source tree (it
 * starts the packaged services under their target/quarkus-app). Benchmarks: dispatch-drain, steady-rate,
 * heartbeat-ingest, pipeline, scaling; {@code smoke} runs each of them once at a tiny size.
 */
public final class Bench {
    private static final String USAGE = """
            usage: java -jar bench/target/forgeline-bench.jar <benchmark> [options]   (from the source tree's root)

            dispatch-drain     N jobs ready before capacity exists, then jobs/s first to last
              --jobs N         jobs (tasks) per run, default 20000
              --rounds R       rounds; each round runs every system once, in order, default 2
              --systems LIST   comma-separated, default forgeline,db-scheduler-tuned,db-scheduler-default,jobrunr-tuned,jobrunr-default
              --profile        also print PostgreSQL's time per statement during each Forgeline drain (pg_stat_statements)
                               and the dispatcher's threads and JFR samples
            steady-rate        tasks at a fixed rate, ready -> leased (Forgeline), submit -> start (the others)
              --rate N         tasks (jobs) per second, default 100
              --seconds S      measured seconds, default 30
              --warmup W       seconds before measuring, default 10
              --rounds R       default 1
              --systems LIST   default forgeline,db-scheduler-tuned,jobrunr-tuned
            heartbeat-ingest   heartbeats/s the dispatcher applies, and its CPU
              --nodes N        default 1000
              --attempts N     running attempts (leases), default 10000
              --seconds S      measured seconds, default 30
              --warmup W       seconds before measuring, default 15
            pipeline           the local stack, zero-duration simulated tasks from POST /specs to merged on main
              --tasks N        tasks in all, default 500
              --per-spec T     tasks per spec (a repository each), default 10
              --capacity C     slots of the stack's one worker, default 8
            scaling            leases/s, round intervals and CPU per lease as the backlog and the fleet grow
              --backlogs LIST  READY backlogs, comma-separated, default 1000,10000,100000
              --fleets LIST    simulated nodes, comma-separated, default 10,100,1000
              --leases N       leases measured per point, default 5000
              --profile        also print PostgreSQL's time per statement in each point's window (pg_stat_statements)
            smoke              every benchmark above once at a tiny size (figures printed, not asserted); fails
                               only if one crashes or writes no result line
            every benchmark:
              --out FILE       JSON lines, default bench/target/results/<benchmark>-<time>.jsonl
            """;

    private Bench() {}

    /**
     * The smoke run's benchmarks in order, each with the options of its tiny run (and {@code --out} added): a new
     * benchmark adds its line here.
     */
    private static final Map<String, List<String>> SMOKE = smokeRuns();

    /** The benchmarks the smoke run runs, in order. */
    static List<String> smokeBenchmarks() {
        return List.copyOf(SMOKE.keySet());
    }

    /** Where the smoke run writes each benchmark's result lines: {@code <benchmark>.jsonl}. */
    static Path smokeResults(Path home) {
        return home.resolve("bench/target/results/smoke");
    }

    private static Map<String, List<String>> smokeRuns() {
        Map<String, List<String>> runs = new LinkedHashMap<>();
        runs.put(
                DispatchDrainBenchmark.NAME,
                List.of("--jobs", "600", "--rounds", "1", "--systems", "forgeline,db-scheduler-tuned", "--profile"));
        runs.put(
                SteadyRateBenchmark.NAME,
                List.of("--rate", "50", "--seconds", "3", "--warmup", "2", "--systems", "forgeline"));
        runs.put(
                HeartbeatIngestBenchmark.NAME,
                List.of("--nodes", "20", "--attempts", "200", "--seconds", "11", "--warmup", "2"));
        runs.put(PipelineBenchmark.NAME, List.of("--tasks", "6", "--per-spec", "3", "--capacity", "2"));
        runs.put(ScalingBenchmark.NAME, List.of("--backlogs", "100", "--fleets", "5", "--leases", "100", "--profile"));
        return runs;
    }

    public static void main(String[] args) throws Exception {
        // the embedded broker and the local stack log through JBoss LogManager (as ./forgeline runs them): it must be
        // the JDK's log manager before anything logs
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        if (args.length == 0) {
            usage(null);
        }
        String benchmark = args[0];
        try {
            Map<String, String> options = options(Arrays.asList(args).subList(1, args.length));
            if (benchmark.equals("smoke")) {
                if (!options.isEmpty()) {
                    throw new IllegalArgumentException("smoke takes no options: " + options.keySet());
                }
                System.exit(smoke(Path.of(".")) ? 0 : 1);
            }
            run(benchmark, options, Path.of("."));
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
        }
        System.exit(0);
    }

    /** Options that take no value. */
    private static final Set<String> FLAGS = Set.of("--profile");

    private static Map<String, String> options(List<String> args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.size(); i += 2) {
            if (FLAGS.contains(args.get(i))) {
                options.put(args.get(i), "true");
                i--;
                continue;
            }
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(args.get(i) + " needs a value");
            }
            options.put(args.get(i), args.get(i + 1));
        }
        return options;
    }

    /** Runs one benchmark; a wrong option is an IllegalArgumentException. */
    private static void run(String benchmark, Map<String, String> options, Path home) throws Exception {
        Options o = new Options(options, benchmark);
        switch (benchmark) {
            case DispatchDrainBenchmark.NAME -> {
                var run = new DispatchDrainBenchmark.Options(
                        o.positive("--jobs", 20_000),
                        o.positive("--rounds", 2),
                        o.systems(List.of(DispatchDrainBenchmark.System_.values())),
                        home,
                        o.out(),
                        o.flag("--profile"));
                o.noneLeft();
                new DispatchDrainBenchmark(run).run();
            }
            case SteadyRateBenchmark.NAME -> {
                var run = new SteadyRateBenchmark.Options(
                        o.positive("--rate", 100),
                        o.positive("--seconds", 30),
                        o.positive("--warmup", 10),
                        o.positive("--rounds", 1),
                        o.systems(SteadyRateBenchmark.DEFAULT_SYSTEMS),
                        home,
                        o.out());
                o.noneLeft();
                new SteadyRateBenchmark(run).run();
            }
            case HeartbeatIngestBenchmark.NAME -> {
                var run = new HeartbeatIngestBenchmark.Options(
                        o.positive("--nodes", 1_000),
                        o.positive("--attempts", 10_000),
                        o.positive("--seconds", 30),
                        o.positive("--warmup", 15),
                        home,
                        o.out());
                o.noneLeft();
                new HeartbeatIngestBenchmark(run).run();
            }
            case PipelineBenchmark.NAME -> {
                var run = new PipelineBenchmark.Options(
                        o.positive("--tasks", 500),
                        o.positive("--per-spec", 10),
                        o.positive("--capacity", 8),
                        home,
                        o.out());
                o.noneLeft();
                new PipelineBenchmark(run).run();
            }
            case ScalingBenchmark.NAME -> {
                var run = new ScalingBenchmark.Options(
                        o.positives("--backlogs", List.of(1_000, 10_000, 100_000)),
                        o.positives("--fleets", List.of(10, 100, 1_000)),
                        o.positive("--leases", 5_000),
                        home,
                        o.out(),
                        o.flag("--profile"));
                o.noneLeft();
                new ScalingBenchmark(run).run();
            }
            default -> throw new IllegalArgumentException("unknown benchmark '" + benchmark + "'");
        }
    }

    /**
     * Every benchmark of {@link #SMOKE} once, one after the other; one that crashes does not stop the others.
     *
     * @return whether each ran to its end and wrote a result line
     */
    private static boolean smoke(Path home) {
        long start = System.nanoTime();
        Path results = smokeResults(home);
        List<SmokeOutcome> outcomes = new ArrayList<>();
        for (Map.Entry<String, List<String>> benchmark : SMOKE.entrySet()) {
            String name = benchmark.getKey();
            Path out = results.resolve(name + ".jsonl");
            long started = System.nanoTime();
            BenchSupport.log("smoke: " + name + " " + String.join(" ", benchmark.getValue()));
            String failure = null;
            long lines = 0;
            try {
                Files.deleteIfExists(out);
                Map<String, String> options = options(benchmark.getValue());
                options.put("--out", out.toString());
                run(name, options, home);
                lines = Files.exists(out)
                        ? Files.readAllLines(out).stream()
                                .filter(l -> !l.isBlank())
                                .count()
                        : 0;
                if (lines == 0) {
                    failure = "no result line written";
                }
            } catch (Exception e) {
                e.printStackTrace();
                failure = e.toString();
            }
            outcomes.add(new SmokeOutcome(name, (System.nanoTime() - started) / 1e9, lines, failure));
        }
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "benchmark smoke run: %.1f s in all (results under %s)%n",
                (System.nanoTime() - start) / 1e9,
                results);
        outcomes.forEach(o -> System.out.printf(
                Locale.ROOT,
                "%-18s %6.1f s  %s%n",
                o.benchmark(),
                o.seconds(),
                o.failure() == null ? "ok, " + o.resultLines() + " result line(s)" : "FAILED: " + o.failure()));
        return outcomes.stream().allMatch(o -> o.failure() == null);
    }

    private record SmokeOutcome(String benchmark, double seconds, long resultLines, String failure) {}

    private static void usage(String problem) {
        if (problem != null) {
            System.err.println(problem);
        }
        System.err.print(USAGE);
        System.exit(2);
    }

    /** The options given to one benchmark; each is taken once, and any left over is an error. */
    private record Options(Map<String, String> given, String benchmark) {
        int positive(String option, int otherwise) {
            String value = given.remove(option);
            if (value == null) {
                return otherwise;
            }
            try {
                int number = Integer.parseInt(value);
                if (number > 0) {
                    return number;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(option + " must be a positive whole number, not '" + value + "'");
        }

        /** A comma-separated list of positive whole numbers. */
        List<Integer> positives(String option, List<Integer> otherwise) {
            String value = given.remove(option);
            if (value == null) {
                return otherwise;
            }
            List<Integer> numbers = new ArrayList<>();
            for (String part : value.split(",")) {
                given.put(option, part.trim());
                numbers.add(positive(option, 1));
            }
            return numbers;
        }

        List<DispatchDrainBenchmark.System_> systems(List<DispatchDrainBenchmark.System_> otherwise) {
            String value = given.remove("--systems");
            return value == null
                    ? otherwise
                    : Arrays.stream(value.split(","))
                            .map(String::trim)
                            .map(DispatchDrainBenchmark.System_::byId)
                            .toList();
        }

        /** Whether a flag (an option without a value) was given. */
        boolean flag(String option) {
            return given.remove(option) != null;
        }

        Path out() {
            String value = given.remove("--out");
            return value == null ? BenchSupport.defaultOut(benchmark) : Path.of(value);
        }

        void noneLeft() {
            if (!given.isEmpty()) {
                throw new IllegalArgumentException("unknown option(s) for " + benchmark + ": " + given.keySet());
            }
        }
    }
}
