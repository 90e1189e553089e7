package dev.forgeline.metrics.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "forgeline.metrics")
public interface MetricsConfig {
    Budget budget();

    Retention retention();

    interface Budget {
        /** Budget of every spec without an override, in USD; absent = specs have no budget. */
        Optional<BigDecimal> perSpecUsd();

        /** Budgets of named specs, in USD (spec id -> budget). */
        Map<String, BigDecimal> specOverrides();

        /** Spending allowed per UTC day over all specs, in USD; absent = no daily budget. */
        Optional<BigDecimal> dailyUsd();
    }

    interface Retention {
        /** How often the scheduled retention scan runs (a Quarkus scheduler expression, e.g. 6h; off = never). */
        @WithDefault("6h")
        String every();

        /** The branch blamed in every known repository. */
        @WithDefault("main")
        String branch();

        /**
         * Directory of the service's own bare mirrors of the repositories tasks name (URLs; a plain local path
         * from older events is read as its {@code file://} URL). Scans read only these mirrors.
         */
        @WithDefault("${user.home}/.forgeline/metrics/mirrors")
        String mirrors();

        /** How often every mirror is fetched (a Quarkus scheduler expression; off = only before a scan). */
        @WithDefault("15m")
        String refreshEvery();
    }

    /** How often the exported gauges are refreshed from the database. */
    @WithDefault("30s")
    Duration gaugeRefresh();
}
