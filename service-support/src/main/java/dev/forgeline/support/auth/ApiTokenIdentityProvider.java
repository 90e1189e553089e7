package dev.forgeline.support.auth;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.support.problem.ProblemMappers;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Turns a presented API token into an identity: the token's name, its roles ({@code admin} implies all). */
@ApplicationScoped
public class ApiTokenIdentityProvider implements IdentityProvider<ApiTokenRequest> {
    /** Identity attribute holding the {@link ApiToken} (its hash, never its text). */
    public static final String TOKEN_ATTRIBUTE = "forgeline.token";

    private final ApiTokens tokens;

    public ApiTokenIdentityProvider(ApiTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public Class<ApiTokenRequest> getRequestType() {
        return ApiTokenRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiTokenRequest request, AuthenticationRequestContext context) {
        // the store may re-read its file: off the event loop
        return context.runBlocking(() -> {
            TokenStore.Check check = tokens.check(request.secret());
            return switch (check.status()) {
                case VALID -> identity(check.token());
                case EXPIRED ->
                    throw new AuthenticationFailedException(
                            "expired API token",
                            Map.of(
                                    ProblemMappers.FAILURE_DETAIL,
                                    "token expired: the API token of '"
                                            + check.token().name() + "' expired at "
                                            + check.token().expiresAt() + "; ask for a new one"));
                case UNKNOWN -> throw new AuthenticationFailedException("unknown or revoked API token");
            };
        });
    }

    static SecurityIdentity identity(ApiToken token) {
        Set<String> roles = new HashSet<>(token.roles());
        if (roles.contains(Roles.ADMIN)) {
            roles.addAll(Roles.ALL);
        }
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(token.name()))
                .addRoles(roles)
                .addAttribute(TOKEN_ATTRIBUTE, token)
                .build();
    }

    /** The identity every request has when {@code forgeline.auth.mode=off}. */
    static SecurityIdentity unrestricted() {
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal("anonymous"))
                .addRoles(Set.copyOf(Roles.ALL))
                .build();
    }
}
