package dev.forgeline.bench;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;

/**
 * {@code java -jar bench/target/forgeline-bench.jar dispatch-drain [--jobs N] [--rounds R] [--systems a,b,..]
 * [--out FILE]}, run from the root of the source tree (it starts dispatcher-service/target/quarkus-app).
 */
public final class Bench {
    private static final String USAGE = """
            usage: java -jar bench/target/forgeline-bench.jar dispatch-drain [options]   (from the source tree's root)
              --jobs N       jobs (tasks) per run, default 20000
              --rounds R     rounds; each round runs every system once, in order, default 2
              --systems LIST comma-separated, default forgeline,db-scheduler-tuned,db-scheduler-default,jobrunr-tuned,jobrunr-default
              --out FILE     JSON lines, default bench/target/results/dispatch-drain-<time>.jsonl
            """;

    private Bench() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !args[0].equals(DispatchDrainBenchmark.NAME)) {
            System.err.print(USAGE);
            System.exit(2);
        }
        int jobs = 20_000;
        int rounds = 2;
        List<DispatchDrainBenchmark.System_> systems = List.of(DispatchDrainBenchmark.System_.values());
        Path out = Path.of("bench/target/results/dispatch-drain-"
                + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").format(LocalDateTime.now()) + ".jsonl");
        try {
            for (int i = 1; i < args.length; i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(args[i] + " needs a value");
                }
                String value = args[i + 1];
                switch (args[i]) {
                    case "--jobs" -> jobs = positive(args[i], value);
                    case "--rounds" -> rounds = positive(args[i], value);
                    case "--systems" ->
                        systems = Arrays.stream(value.split(","))
                                .map(String::trim)
                                .map(DispatchDrainBenchmark.System_::byId)
                                .toList();
                    case "--out" -> out = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        }
        new DispatchDrainBenchmark(new DispatchDrainBenchmark.Options(jobs, rounds, systems, Path.of("."), out)).run();
        System.exit(0);
    }

    private static int positive(String option, String value) {
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
}
