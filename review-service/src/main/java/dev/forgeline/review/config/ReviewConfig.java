package dev.forgeline.review.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

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

    /** The review service's own directory: one clone per repository URL under {@code clones/}. */
    Path workspace();

    /** How merges reach a repository unless {@link #repositories()} says otherwise. */
    @WithDefault("direct")
    MergeMode mergeMode();

    /**
     * Merges of one attempt that lost the race for the base branch (someone pushed in between) and were
     * fetched, merged again on the new base and pushed again, the first push included.
     */
    @WithDefault("4")
    int pushAttempts();

    /**
     * Settings per repository, keyed by the repository as shown to people: host and path without scheme, e.g.
     * {@code forgeline.review.repositories."github.com/org/repo".merge-mode=direct} (a trailing {@code .git}
     * may be left out), or the absolute path of a local repository.
     */
    Map<String, RepositorySettings> repositories();

    interface RepositorySettings {
        Optional<MergeMode> mergeMode();
    }

    /** How an approved attempt reaches its base branch. */
    enum MergeMode {
        /** The review service merges in its clone and pushes the base branch. */
        DIRECT,
        /** A pull request on the hosting service (not supported yet). */
        PULL_REQUEST
    }
}
