package dev.forgeline.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar bench/target/forgeline-bench.jar <benchmark> [options]}, run from the root of the source tree (it
 * starts dispatcher-service/target/quarkus-app). Benchmarks: dispatch-drain, steady-rate, heartbeat-ingest, scaling.
 */
public final class Bench {
    private static final String USAGE = """
            usage: java -jar bench/target/forgeline-bench.jar <benchmark> [options]   (from the source tree's root)

            dispatch-drain     N jobs ready before capacity exists, then jobs/s first to last
              --jobs N         jobs (tasks) per run, default 20000
              --rounds R       rounds; each round runs every system once, in order, default 2
              --systems LIST   comma-separated, default forgeline,db-scheduler-tuned,db-scheduler-default,jobrunr-tuned,jobrunr-default
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
            scaling            leases/s, round intervals and CPU per lease as the backlog and the fleet grow
              --backlogs LIST  READY backlogs, comma-separated, default 1000,10000,100000
              --fleets LIST    simulated nodes, comma-separated, default 10,100,1000
              --leases N       leases measured per point, default 5000
            every benchmark:
              --out FILE       JSON lines, default bench/target/results/<benchmark>-<time>.jsonl
            """;

    private Bench() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage(null);
        }
        String benchmark = args[0];
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                usage(args[i] + " needs a value");
            }
            options.put(args[i], args[i + 1]);
        }
        Path home = Path.of(".");
        try {
            Options o = new Options(options, benchmark);
            switch (benchmark) {
                case DispatchDrainBenchmark.NAME -> {
                    var run = new DispatchDrainBenchmark.Options(
                            o.positive("--jobs", 20_000),
                            o.positive("--rounds", 2),
                            o.systems(List.of(DispatchDrainBenchmark.System_.values())),
                            home,
                            o.out());
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
                case ScalingBenchmark.NAME -> {
                    var run = new ScalingBenchmark.Options(
                            o.positives("--backlogs", List.of(1_000, 10_000, 100_000)),
                            o.positives("--fleets", List.of(10, 100, 1_000)),
                            o.positive("--leases", 5_000),
                            home,
                            o.out());
                    o.noneLeft();
                    new ScalingBenchmark(run).run();
                }
                default -> usage("unknown benchmark '" + benchmark + "'");
            }
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
        }
        System.exit(0);
    }

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
