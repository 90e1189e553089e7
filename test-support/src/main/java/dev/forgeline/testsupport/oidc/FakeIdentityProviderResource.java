package dev.forgeline.testsupport.oidc;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Quarkus test resource: a {@link FakeIdentityProvider} (realm {@code forgeline}) that the application under test
 * trusts for OIDC bearer tokens of audience {@code forgeline}. Tests mint tokens with {@link #provider()}.
 */
public class FakeIdentityProviderResource implements QuarkusTestResourceLifecycleManager {
    /** The audience the application requires; the provider's tokens carry it unless a test says otherwise. */
    public static final String AUDIENCE = "forgeline";

    private static volatile FakeIdentityProvider provider;

    /** The running provider of the current test application. */
    public static FakeIdentityProvider provider() {
        if (provider == null) {
            throw new IllegalStateException("no FakeIdentityProviderResource is running");
        }
        return provider;
    }

    @Override
    public Map<String, String> start() {
        provider = FakeIdentityProvider.start("forgeline");
        return Map.of(
                "quarkus.oidc.tenant-enabled",
                "true",
                "quarkus.oidc.auth-server-url",
                provider.issuer(),
                "quarkus.oidc.token.audience",
                AUDIENCE,
                // tests rotate keys and fail the provider several times within one application's life
                "quarkus.oidc.token.forced-jwk-refresh-interval",
                "1S");
    }

    @Override
    public void stop() {
        if (provider != null) {
            provider.close();
            provider = null;
        }
    }
}
