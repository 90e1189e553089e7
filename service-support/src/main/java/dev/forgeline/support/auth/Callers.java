package dev.forgeline.support.auth;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.forgeline.contracts.Projects;
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

    /**
     * Whether the caller may see objects of {@code project} (null reads as {@link Projects#DEFAULT}): a token sees
     * the projects it carries ({@code *}: all); with {@code forgeline.auth.mode=off} (no token) everything is
     * visible.
     */
    public static boolean canSee(SecurityIdentity caller, String project) {
        ApiToken token = caller == null ? null : caller.getAttribute(ApiTokenIdentityProvider.TOKEN_ATTRIBUTE);
        if (token == null) {
            return true;
        }
        String wanted = Projects.orDefault(project);
        return token.projects().contains(Roles.ALL_PROJECTS) || token.projects().contains(wanted);
    }

    /**
     * An object of another project is answered exactly like an unknown id, so a caller cannot learn that it
     * exists: throws what {@code notFound} makes (the service's own not-found problem) unless the caller
     * {@link #canSee sees} {@code project}.
     */
    public static void requireProject(
            SecurityIdentity caller, String project, Supplier<? extends RuntimeException> notFound) {
        if (!canSee(caller, project)) {
            throw notFound.get();
        }
    }

    /**
     * The projects the caller sees, for a query that filters by project; empty when it sees every project (a
     * {@code *} token, or {@code forgeline.auth.mode=off}).
     */
    public static Optional<Set<String>> visibleProjects(SecurityIdentity caller) {
        ApiToken token = caller == null ? null : caller.getAttribute(ApiTokenIdentityProvider.TOKEN_ATTRIBUTE);
        if (token == null || token.projects().contains(Roles.ALL_PROJECTS)) {
            return Optional.empty();
        }
        return Optional.of(Set.copyOf(token.projects()));
    }

    /** The items of a list the caller may see; {@code projectOf} names each item's project. */
    public static <T> List<T> visible(SecurityIdentity caller, List<T> items, Function<T, String> projectOf) {
        return items.stream()
                .filter(item -> canSee(caller, projectOf.apply(item)))
                .toList();
    }

    /**
     * Creating something in a project the token does not carry (submitting a spec into it) is 403 naming the
     * project: the caller named the project itself, so nothing is revealed.
     */
    public static void requireSubmitInto(SecurityIdentity caller, String project) {
        if (!canSee(caller, project)) {
            String detail = "the token of '" + caller.getPrincipal().getName() + "' may not act in project '"
                    + Projects.orDefault(project) + "'";
            throw new ProblemException(
                    403,
                    ProblemMappers.FORBIDDEN,
                    "Forbidden",
                    detail,
                    List.of(new Problem.ProblemError(detail, null, "project")));
        }
    }

    /** Who a decision is recorded under: the signed-in identity, or, with tokens off, what the caller typed. */
    public static String recordedAs(SecurityIdentity caller, ApiTokens tokens, String typed) {
        return tokens.enabled() ? caller.getPrincipal().getName() : typed;
    }
}
