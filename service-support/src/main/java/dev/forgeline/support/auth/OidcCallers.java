package dev.forgeline.support.auth;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Makes an identity the OIDC mechanism verified into a Forgeline caller, checked by {@link Callers} exactly like an
 * API token's: its roles are the identity provider's groups that carry the configured prefix ({@code admin} implies
 * all), its projects the configured claim. The identity provider's other groups give no role, and a token without
 * the projects claim sees no project.
 */
@ApplicationScoped
public class OidcCallers implements SecurityIdentityAugmentor {
    private static final Pattern LIST_SEPARATOR = Pattern.compile("[\\s,]+");

    private final AuthConfig.Oidc config;

    public OidcCallers(AuthConfig config) {
        this.config = config.oidc();
    }

    /**
     * Refuses to start with OIDC on and no required audience: quarkus-oidc would then accept any token the provider
     * signed, also those it issued to other applications.
     */
    void onStart(@Observes StartupEvent event) {
        Config settings = ConfigProvider.getConfig();
        misconfiguration(
                        settings.getOptionalValue("quarkus.oidc.tenant-enabled", Boolean.class)
                                .orElse(false),
                        settings.getOptionalValues("quarkus.oidc.token.audience", String.class)
                                .orElse(List.of()))
                .ifPresent(problem -> {
                    throw new IllegalStateException(problem);
                });
    }

    static Optional<String> misconfiguration(boolean enabled, List<String> audience) {
        if (enabled && audience.stream().allMatch(String::isBlank)) {
            return Optional.of("quarkus.oidc.tenant-enabled=true needs quarkus.oidc.token.audience"
                    + " (QUARKUS_OIDC_TOKEN_AUDIENCE): without it every token the identity provider signed would be"
                    + " accepted, also those it issued to other applications");
        }
        return Optional.empty();
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous()
                || identity.getAttribute(ApiTokenIdentityProvider.TOKEN_ATTRIBUTE) != null
                || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Uni.createFrom().item(identity);
        }
        return Uni.createFrom().item(caller(identity, jwt));
    }

    SecurityIdentity caller(SecurityIdentity verified, JsonWebToken jwt) {
        ApiToken token = new ApiToken(
                "oidc:" + jwt.getSubject(),
                jwt.getName(),
                null,
                roles(verified.getRoles()),
                projects(jwt.getClaim(config.projectsClaim())),
                null,
                null,
                null,
                null);
        Set<String> roles = new LinkedHashSet<>(token.roles());
        if (roles.contains(Roles.ADMIN)) {
            roles.addAll(Roles.ALL);
        }
        // a fresh identity: the identity provider's own group names are not Forgeline roles
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(jwt)
                .addCredentials(verified.getCredentials())
                .addAttributes(verified.getAttributes())
                .addAttribute(ApiTokenIdentityProvider.TOKEN_ATTRIBUTE, token)
                .addRoles(roles)
                .build();
    }

    List<String> roles(Set<String> groups) {
        String prefix = config.rolePrefix();
        List<String> roles = new ArrayList<>();
        for (String group : groups) {
            if (group.startsWith(prefix)) {
                String role = group.substring(prefix.length());
                if (Roles.ALL.contains(role) && !roles.contains(role)) {
                    roles.add(role);
                }
            }
        }
        return roles;
    }

    /** The projects a claim value lists: a JSON array of strings, or one string of names; none when absent. */
    static List<String> projects(Object claim) {
        List<String> names = new ArrayList<>();
        if (claim instanceof JsonArray array) {
            for (JsonValue value : array) {
                if (value instanceof JsonString text) {
                    names.addAll(split(text.getString()));
                }
            }
        } else if (claim instanceof Collection<?> values) {
            values.forEach(value -> names.addAll(split(String.valueOf(value))));
        } else if (claim instanceof JsonString text) {
            names.addAll(split(text.getString()));
        } else if (claim instanceof String text) {
            names.addAll(split(text));
        }
        return List.copyOf(new LinkedHashSet<>(names));
    }

    private static List<String> split(String names) {
        return LIST_SEPARATOR
                .splitAsStream(names.strip())
                .filter(n -> !n.isEmpty())
                .toList();
    }
}
