package dev.forgeline.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * What the child JVMs of db-scheduler and JobRunr share: the arguments ({@code jdbcUrl n variant [rate warmup]}), the
 * connection pool (the same for every system and variant, large enough not to be the limit), the paced submission of
 * the steady-rate benchmark and the result line. Without a rate the {@code n} jobs are all stored before the scheduler
 * starts (dispatch drain); with one, the scheduler runs first and the jobs are submitted at {@code rate} per second,
 * the first {@code warmup} of them not measured (steady rate).
 */
final class ChildDrain {
    static final String RESULT_PREFIX = "BENCH-RESULT ";
    static final long DRAIN_TIMEOUT_SECONDS = 900;

    final String jdbcUrl;
    final int n;
    final boolean tuned;
    /** Jobs per second for the steady rate, 0 for a drain. */
    final int rate;

    final int warmup;

    private ChildDrain(String jdbcUrl, int n, boolean tuned, int rate, int warmup) {
        this.jdbcUrl = jdbcUrl;
        this.n = n;
        this.tuned = tuned;
        this.rate = rate;
        this.warmup = warmup;
    }

    static ChildDrain parse(String[] args) {
        if ((args.length != 3 && args.length != 5) || !(args[2].equals("tuned") || args[2].equals("default"))) {
            throw new IllegalArgumentException("arguments: <jdbcUrl> <jobs> tuned|default [<jobs/s> <warm-up jobs>]");
        }
        return args.length == 3
                ? new ChildDrain(args[0], Integer.parseInt(args[1]), args[2].equals("tuned"), 0, 0)
                : new ChildDrain(
                        args[0],
                        Integer.parseInt(args[1]),
                        args[2].equals("tuned"),
                        Integer.parseInt(args[3]),
                        Integer.parseInt(args[4]));
    }

    boolean steady() {
        return rate > 0;
    }

    HikariDataSource dataSource() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(BenchPostgres.USER);
        config.setPassword(BenchPostgres.PASSWORD);
        config.setMaximumPoolSize(30);
        return new HikariDataSource(config);
    }

    /** A submitter of job {@code i}, handed the submit time it must give the job (epoch microseconds). */
    interface Submit {
        void job(int i, long submittedMicros) throws Exception;
    }

    /**
     * Submits the {@code n} jobs at {@code rate} per second on a fixed schedule (a late submission does not shift the
     * later ones); job {@code i} is due at {@code i / rate} seconds. The submit time is taken just before the call.
     */
    long submitAtRate(Submit submit) throws Exception {
        long start = System.nanoTime();
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / rate;
        for (int i = 0; i < n; i++) {
            long due = start + i * intervalNanos;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            if (i == warmup) {
                DrainClock.measureFrom(BenchSupport.nowMicros());
            }
            submit.job(i, BenchSupport.nowMicros());
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /** Waits for every job, then prints the result line the parent reads. */
    void awaitAndReport(String system, long enqueueMs) throws Exception {
        boolean all = DrainClock.awaitAll(DRAIN_TIMEOUT_SECONDS);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("system", system);
        line.put("n", n);
        line.put("executed", DrainClock.executedCount());
        line.put("complete", all);
        line.put("firstMs", DrainClock.firstMs());
        line.put("lastMs", DrainClock.lastMs());
        line.put("enqueueMs", enqueueMs);
        if (steady()) {
            line.put("rate", rate);
            line.put("warmup", warmup);
            line.put("submitToStart", Latencies.of(DrainClock.latenciesMicros()).toMap());
        }
        System.out.println(RESULT_PREFIX + new ObjectMapper().writeValueAsString(line));
        System.out.flush();
    }

    /**
     * Parent side: runs {@code main} in a fresh JVM with these arguments and returns its result line; fails when it
     * printed none.
     */
    static JsonNode run(String id, String label, Class<?> main, List<String> args, Path work) throws Exception {
        List<String> arguments = new ArrayList<>(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        arguments.addAll(args);
        try (ChildProcess child = ChildProcess.start(
                id, BenchSupport.CHILD_JVM_OPTIONS, arguments, Map.of(), work.resolve("child.log"))) {
            if (!child.waitFor(DRAIN_TIMEOUT_SECONDS + 120)) {
                throw new IllegalStateException(label + " did not finish; see " + child.log());
            }
            return child.lines().stream()
                    .filter(l -> l.startsWith(RESULT_PREFIX))
                    .map(l -> BenchSupport.readTree(l.substring(RESULT_PREFIX.length())))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(label + " exited with " + child.exitValue()
                            + " and no result; its log ends with:\n" + child.tail(30)));
        }
    }
}
