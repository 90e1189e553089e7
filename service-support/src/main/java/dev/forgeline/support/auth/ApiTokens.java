package dev.forgeline.support.auth;

import java.util.Optional;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.runtime.StartupEvent;
import org.jboss.logging.Logger;

/** This service's view of the shared token store, as {@code forgeline.auth.*} configures it. */
@ApplicationScoped
public class ApiTokens {
    private static final Logger LOG = Logger.getLogger(ApiTokens.class);

    private final AuthConfig config;
    private final TokenStore store;

    public ApiTokens(AuthConfig config) {
        this.config = config;
        this.store = config.tokensFile().map(TokenStore::new).orElse(null);
    }

    void onStart(@Observes StartupEvent event) {
        if (!enabled()) {
            LOG.warn("forgeline.auth.mode=off: no API token is asked for and every caller may do everything");
        } else if (store == null) {
            LOG.error("forgeline.auth.mode=tokens but no forgeline.auth.tokens-file is set: every request that"
                    + " needs a token is refused (set the token store's path, or forgeline.auth.mode=off)");
        } else {
            LOG.infof("API tokens are read from %s", store.file());
        }
    }

    /** Whether requests must carry a token. */
    public boolean enabled() {
        return config.mode() == AuthConfig.Mode.TOKENS;
    }

    /** The valid token with this text; empty for an unknown, revoked or expired one, or when no store is configured. */
    public Optional<ApiToken> authenticate(String secret) {
        return store == null ? Optional.empty() : store.authenticate(secret);
    }

    /** What the presented token is; unknown when no store is configured. */
    public TokenStore.Check check(String secret) {
        return store == null ? new TokenStore.Check(TokenStore.Status.UNKNOWN, null) : store.check(secret);
    }
}
