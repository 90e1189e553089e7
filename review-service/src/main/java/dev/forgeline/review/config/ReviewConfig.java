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

    /**
     * From this risk level on, the identity that submitted a spec may not approve its changes (four-eyes rule);
     * rejecting and requesting changes stay allowed. Above 3 (the highest level) the rule is off.
     */
    @WithDefault("3")
    int fourEyesLevel();

    /** Level 2-3 reviews people can do per day; a larger level 2-3 backlog holds such tasks back. */
    @WithDefault("20")
    int dailyReviewCapacity();

    /** How often merges whose verify has not run are picked up again (the scheduler reads the same key). */
    @WithDefault("10s")
    java.time.Duration verifySweepInterval();

    /** The review service's own directory: one clone per repository URL under {@code clones/}. */
    Path workspace();

    /** How lint and verify commands are confined ({@code forgeline.review.sandbox.*}). */
    SandboxSettings sandbox();

    /**
     * The bubblewrap sandbox of a repository's lint and verify commands: a read-only file system except the
     * checkout, a private /tmp and home, an own pid namespace, no network by default, the service's credential
     * files masked and an environment from an allow-list. See docs/security.md, "Sandbox".
     */
    interface SandboxSettings {
        /**
         * {@code auto} (default): sandboxed when bubblewrap works here, otherwise unconfined with a warning at
         * start; {@code required}: the commands fail without bubblewrap; {@code off}: never sandboxed.
         */
        @WithDefault("auto")
        dev.forgeline.support.process.Sandbox.Mode mode();

        /** Whether lint and verify commands reach the network. */
        @WithDefault("false")
        boolean network();

        /** Further variables of the service's environment handed to the commands, by name. */
        Optional<java.util.List<String>> passEnvironment();

        /** Further files or directories masked, besides the defaults (git credential files, config, home). */
        Optional<java.util.List<String>> hiddenPaths();
    }

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
     * Settings per repository, keyed by the repository as shown to people: host (with its port when the URL names
     * one) and path without scheme, e.g. {@code forgeline.review.repositories."github.com/org/repo".merge-mode=direct}
     * (a trailing {@code .git} may be left out), or the absolute path of a local repository. A key may also name a
     * host or a group of repositories ({@code "github.com/org"}): the longest key that is the repository or a
     * parent of it applies.
     */
    Map<String, RepositorySettings> repositories();

    /** How the pull-request merge mode waits, merges and sends work back. */
    PullRequests pullRequests();

    interface RepositorySettings {
        Optional<MergeMode> mergeMode();

        /** The hosting API of merge mode pull-request; github.com and gitlab.com are known without it. */
        Optional<Hosting> hosting();

        /**
         * The API root: {@code https://api.github.com} (GitHub), {@code https://<host>/api/v3} (GitHub Enterprise
         * Server), {@code https://<host>/api/v4} (GitLab). Defaults for github.com and gitlab.com.
         */
        Optional<String> apiUrl();

        /** The repository on the host ({@code owner/name}, GitLab {@code group/subgroup/name}); default: the URL's path. */
        Optional<String> project();
    }

    interface PullRequests {
        /** How often open pull requests are looked at (checks, reviews, merges made on the host). */
        @WithDefault("15s")
        java.time.Duration pollInterval();

        /**
         * Times a failed required check sends the task back to its agent (with the check's output); after that the
         * pull request waits for a person.
         */
        @WithDefault("2")
        int checkRounds();

        /** Label naming the review level, followed by the level: {@code forgeline-level-2}. */
        @WithDefault("forgeline-level-")
        String labelPrefix();

        /** Longest a call to the hosting API may take. */
        @WithDefault("30s")
        java.time.Duration timeout();

        /**
         * Branch the review service pushes an attempt's commit to when the worker pushed it outside {@code
         * refs/heads/} (a pull request needs a branch as its head), followed by the attempt's branch name.
         */
        @WithDefault("forgeline/review/")
        String headBranchPrefix();
    }

    /** A hosting service whose pull requests (merge requests) Forgeline can open and merge. */
    enum Hosting {
        GITHUB,
        GITLAB
    }

    /** How an approved attempt reaches its base branch. */
    enum MergeMode {
        /** The review service merges in its clone and pushes the base branch. */
        DIRECT,
        /** A pull request (merge request) on the hosting service, merged through its API once checks are green. */
        PULL_REQUEST
    }
}
