package dev.forgeline.support.auth;

import java.util.Map;
import java.util.Set;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.support.problem.ProblemMappers;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.RoutingContext;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reads a Forgeline API token from {@code Authorization: Bearer <token>}, or, for the review pages, from the
 * HttpOnly session cookie the sign-in form sets. No token: anonymous (a resource that needs one answers 401).
 * With OIDC on, a token that is not an API token ({@code fl_...}) is an identity provider's access token, verified
 * by quarkus-oidc ({@link OidcCallers} maps its claims); the review pages' cookie may hold either kind.
 */
@ApplicationScoped
public class ApiTokenAuthenticationMechanism implements HttpAuthenticationMechanism {
    /** The review page's session cookie: holds the token, HttpOnly, SameSite=Strict, path /ui. */
    public static final String SESSION_COOKIE = "forgeline_session";

    private static final String BEARER = "Bearer ";

    private final ApiTokens tokens;
    private final boolean oidc;

    public ApiTokenAuthenticationMechanism(
            ApiTokens tokens, @ConfigProperty(name = "quarkus.oidc.tenant-enabled") boolean oidc) {
        this.tokens = tokens;
        this.oidc = oidc;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        if (!tokens.enabled()) {
            return Uni.createFrom().item(ApiTokenIdentityProvider.unrestricted());
        }
        String secret = presented(context);
        if (secret == null) {
            return Uni.createFrom().optional(java.util.Optional.empty());
        }
        if (!oidc || secret.startsWith(TokenStore.PREFIX)) {
            return identities.authenticate(new ApiTokenRequest(secret));
        }
        // an identity provider's access token, sent as a bearer token or kept by the review pages' sign-in:
        // quarkus-oidc's identity provider verifies it against the issuer's keys
        return identities
                .authenticate(HttpSecurityUtils.setRoutingContextAttribute(
                        new TokenAuthenticationRequest(new AccessTokenCredential(secret)), context))
                .onFailure(AuthenticationFailedException.class)
                .transform(failure -> new AuthenticationFailedException(
                        "identity provider token refused", Map.of(ProblemMappers.FAILURE_DETAIL, NOT_VOUCHED_FOR)));
    }

    /** What a caller is told about an access token quarkus-oidc refused (never the token, never the reason why). */
    static final String NOT_VOUCHED_FOR = "the bearer token is not a Forgeline API token and the identity provider"
            + " does not vouch for it (signature, issuer, audience or expiry)";

    /** Before quarkus-oidc's own mechanism, so that an API token is never sent to the identity provider. */
    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY + 100;
    }

    static String presented(RoutingContext context) {
        String header = context.request().getHeader(HttpHeaderNames.AUTHORIZATION);
        if (header != null) {
            return header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                    ? header.substring(BEARER.length()).strip()
                    : "";
        }
        Cookie cookie = context.request().getCookie(SESSION_COOKIE);
        return cookie == null || cookie.getValue().isBlank() ? null : cookie.getValue();
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, HttpHeaderNames.WWW_AUTHENTICATE, "Bearer"));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiTokenRequest.class, TokenAuthenticationRequest.class);
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.AUTHORIZATION, "bearer"));
    }
}
