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

    /** OIDC bearer tokens beside the API tokens ({@code forgeline.auth.oidc.*}). */
    Oidc oidc();

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

    /**
     * How an identity provider's access token becomes a Forgeline caller. The issuer itself is quarkus-oidc's
     * ({@code quarkus.oidc.tenant-enabled=true}, {@code quarkus.oidc.auth-server-url}, {@code
     * quarkus.oidc.token.audience}); a bearer token that is not a Forgeline API token ({@code fl_...}) is then
     * verified against the issuer's keys. Roles come from the token's groups (quarkus-oidc's role claim), projects
     * from {@link #projectsClaim()}.
     */
    interface Oidc {
        /**
         * The claim listing the projects the holder sees (a JSON array, or one string separated by spaces or
         * commas; {@code *} for every project). A token without it sees no project.
         */
        @WithDefault("forgeline_projects")
        String projectsClaim();

        /**
         * Prefix of the identity provider's groups that name Forgeline roles: with {@code forgeline-}, group {@code
         * forgeline-reviewer} gives role {@code reviewer}. Groups without it are ignored. Empty: the groups are the
         * role names themselves.
         */
        @WithDefault("forgeline-")
        String rolePrefix();
    }

    enum Mode {
        TOKENS,
        OFF
    }
}
