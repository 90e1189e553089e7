package dev.forgeline.support.auth;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One Forgeline API token as the token store keeps it: never the token itself, only its SHA-256 hash.
 *
 * @param id       short public id (names the token in lists and revocation; not a secret)
 * @param name     who or what holds it: a person, a service, or for a worker token its node name
 * @param hash     SHA-256 of the token, lower-case hex
 * @param roles    {@link Roles} the holder has
 * @param projects projects it may see, {@code *} for all, none when empty
 * @param node     for a worker token: the only node it may speak for (defaults to {@code name})
 * @param created  ISO-8601 instant
 * @param revoked  ISO-8601 instant it was revoked, or null while it is valid
 * @param expiresAt ISO-8601 instant from which it is refused, or null for a token that does not expire (lines
 *     written before expiry existed have none)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiToken(
        String id,
        String name,
        String hash,
        List<String> roles,
        List<String> projects,
        String node,
        String created,
        String revoked,
        String expiresAt) {

    public ApiToken {
        roles = roles == null ? List.of() : List.copyOf(roles);
        // a line without projects predates them and sees every project; an empty list (an OIDC identity without a
        // projects claim) sees none
        projects = projects == null ? List.of(Roles.ALL_PROJECTS) : List.copyOf(projects);
    }

    @JsonIgnore
    public boolean isRevoked() {
        return revoked != null;
    }

    /** Whether the token is past its expiry at {@code now} (a token without {@code expiresAt} never is). */
    public boolean isExpiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(Instant.parse(expiresAt));
    }

    @JsonIgnore
    public Set<String> roleSet() {
        return Set.copyOf(roles);
    }

    /** The {@code node} of a fleet token, which may speak for any node. */
    public static final String ANY_NODE = "*";

    /** The node a worker token speaks for: its {@code node} attribute, else its name. */
    @JsonIgnore
    public String nodeName() {
        return node == null || node.isBlank() ? name : node;
    }

    /**
     * Whether this worker token may speak for the node: its own node, or any node for a fleet token ({@code node}
     * = {@code *}), which pods whose names are chosen at start (Kubernetes) share.
     */
    public boolean speaksFor(String node) {
        return ANY_NODE.equals(this.node) || nodeName().equals(node);
    }

    ApiToken revokedAt(String instant) {
        return new ApiToken(id, name, hash, roles, projects, node, created, instant, expiresAt);
    }
}
