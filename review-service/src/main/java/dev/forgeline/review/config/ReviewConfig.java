package dev.forgeline.review.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Review rules. */
@ConfigMapping(prefix = "forgeline.review")
public interface ReviewConfig {

    /** A diff with fewer changed lines (added + removed) than this, whose tests passed, merges without a person. */
    @WithDefault("100")
    int autoMergeMaxLines();
}
