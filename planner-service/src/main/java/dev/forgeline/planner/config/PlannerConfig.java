package dev.forgeline.planner.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Planner settings ({@code forgeline.planner.*}). */
@ConfigMapping(prefix = "forgeline.planner")
public interface PlannerConfig {

    /** Base branch of a spec that names none (neither a {@code Base-branch:} line nor the query parameter). */
    @WithDefault("main")
    String defaultBaseBranch();

    /** Estimate of a task without an {@code Estimate:} field. */
    @WithDefault("15m")
    Duration defaultEstimate();

    /** Larger specs are refused with 413. */
    @WithDefault("1048576")
    long maxSpecBytes();
}
