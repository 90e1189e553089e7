package dev.forgeline.review.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Review defaults; each repository may override the rules in its own rules file. */
@ConfigMapping(prefix = "forgeline.review")
public interface ReviewConfig {

    /** Default: a diff with fewer changed lines (added + removed) than this may merge without a person. */
    @WithDefault("100")
    int autoMergeMaxLines();

    /** Level 2-3 reviews people can do per day; a larger level 2-3 backlog holds such tasks back. */
    @WithDefault("20")
    int dailyReviewCapacity();

    /** How often merges whose verify has not run are picked up again (the scheduler reads the same key). */
    @WithDefault("10s")
    java.time.Duration verifySweepInterval();
}
