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

    enum Mode {
        TOKENS,
        OFF
    }
}
