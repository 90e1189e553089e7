package dev.forgeline.support.auth;

import java.nio.file.Path;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Who may call a service ({@code forgeline.auth.*}). */
@ConfigMapping(prefix = "forgeline.auth")
public interface AuthConfig {
    /**
     * {@code tokens}: every request but health, metrics scrape and OpenAPI carries a Forgeline API token.
     * {@code off}: no token is asked for and every caller may do everything (tests, a single-user machine only).
     */
    @WithDefault("tokens")
    Mode mode();

    /**
     * The token store (one JSON line per token, SHA-256 hashes only), shared by every service: a mounted Kubernetes
     * Secret, or the local stack's directory. Re-read when it changes. Without it, in mode {@code tokens}, every
     * request is refused.
     */
    Optional<Path> tokensFile();

    /** Per-caller rate limits on the REST APIs ({@code forgeline.auth.rate-limit.*}). */
    RateLimit rateLimit();

    /**
     * A token bucket per caller: per token (by its id) when one is presented, per client address otherwise (no
     * token, an unknown one, or tokens off). A worker token (without admin) has a bucket per token and client
     * address, so that the pods sharing a fleet token do not share one budget. Health, metrics scrape and OpenAPI
     * are not limited.
     */
    interface RateLimit {
        @WithDefault("true")
        boolean enabled();

        /**
         * Sustained requests per second a caller may make. A worker reads its lease feed with a long poll (about
         * one request per lease or per poll wait) and registers now and then; the review board reads the planner
         * and the dispatcher with its own token, about 13 requests to each per refresh (every second while
         * someone watches).
         */
        @WithDefault("20")
        double requestsPerSecond();

        /** Requests a caller may make at once after being idle: the bucket's size. */
        @WithDefault("100")
        int burst();

        /** Most callers whose buckets are kept; past it the buckets idle longest are dropped first. */
        @WithDefault("10000")
        int maxCallers();
    }

    enum Mode {
        TOKENS,
        OFF
    }
}
