package dev.forgeline.bench;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * What the child JVMs of db-scheduler and JobRunr share: the arguments ({@code jdbcUrl n variant}), the connection
 * pool (the same for every system and variant, large enough not to be the limit) and the result line.
 */
final class ChildDrain {
    static final String RESULT_PREFIX = "BENCH-RESULT ";
    static final long DRAIN_TIMEOUT_SECONDS = 900;

    final String jdbcUrl;
    final int n;
    final boolean tuned;

    private ChildDrain(String jdbcUrl, int n, boolean tuned) {
        this.jdbcUrl = jdbcUrl;
        this.n = n;
        this.tuned = tuned;
    }

    static ChildDrain parse(String[] args) {
        if (args.length != 3 || !(args[2].equals("tuned") || args[2].equals("default"))) {
            throw new IllegalArgumentException("arguments: <jdbcUrl> <jobs> tuned|default");
        }
        return new ChildDrain(args[0], Integer.parseInt(args[1]), args[2].equals("tuned"));
    }

    HikariDataSource dataSource() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(BenchPostgres.USER);
        config.setPassword(BenchPostgres.PASSWORD);
        config.setMaximumPoolSize(30);
        return new HikariDataSource(config);
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
        System.out.println(RESULT_PREFIX + new ObjectMapper().writeValueAsString(line));
        System.out.flush();
    }
}
