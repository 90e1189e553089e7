package dev.forgeline.support.auth;

import java.util.List;

import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.problem.ProblemException;
import dev.forgeline.support.problem.ProblemMappers;
import io.quarkus.security.identity.SecurityIdentity;

/** Checks on who calls that a role alone does not express. */
public final class Callers {
    private Callers() {}

    /**
     * A worker token speaks only for its own node (its {@code node} attribute, else its name; a fleet token,
     * {@code node} = {@code *}, for any); admin may speak for any. 403 otherwise.
     */
    public static void requireNode(SecurityIdentity caller, String node) {
        if (caller.hasRole(Roles.ADMIN)) {
            return;
        }
        ApiToken token = caller.getAttribute(ApiTokenIdentityProvider.TOKEN_ATTRIBUTE);
        if (token == null || !token.speaksFor(node)) {
            String detail =
                    "the token of '" + caller.getPrincipal().getName() + "' may not speak for node '" + node + "'";
            throw new ProblemException(
                    403,
                    ProblemMappers.FORBIDDEN,
                    "Forbidden",
                    detail,
                    List.of(new Problem.ProblemError(detail, null, "name")));
        }
    }

    /** Who a decision is recorded under: the signed-in identity, or, with tokens off, what the caller typed. */
    public static String recordedAs(SecurityIdentity caller, ApiTokens tokens, String typed) {
        return tokens.enabled() ? caller.getPrincipal().getName() : typed;
    }
}
