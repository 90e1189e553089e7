package dev.forgeline.support.audit;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.core.HttpHeaders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.support.audit.repository.AuditEntryRepository;
import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.problem.ProblemException;
import io.quarkus.arc.Arc;
import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * The audit trail of a service: every action a person or operator takes through its REST API, with who, when, what,
 * to what and why. Entries are only ever added ({@code audit_entry} refuses UPDATE and DELETE by a trigger).
 *
 * <p>Only in services with a database (the same build switch as the outbox).
 */
@ApplicationScoped
@IfBuildProperty(name = "forgeline.outbox.enabled", stringValue = "true", enableIfMissing = true)
public class AuditTrail {
    /** The optional request header that says why an action is taken. */
    public static final String REASON_HEADER = "Forgeline-Reason";
    /** Characters a reason may have. */
    public static final int MAX_REASON_LENGTH = 1000;

    public static final String INVALID_AUDIT_QUERY = "https://forgeline.dev/problems/invalid-audit-query";
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    private static final Pattern RELATIVE = Pattern.compile("(\\d{1,6})([smhd])");

    private final AuditEntryRepository entries;
    private final SecurityIdentity identity;
    private final HttpHeaders headers;
    private final ObjectMapper json;

    public AuditTrail(AuditEntryRepository entries, SecurityIdentity identity, HttpHeaders headers, ObjectMapper json) {
        this.entries = entries;
        this.identity = identity;
        this.headers = headers;
        this.json = json;
    }

    /**
     * Records an action of the current caller in the caller's transaction (in one of its own when the action ran in
     * several and none is open), so that the entry exists if and only if what it records committed.
     *
     * @param target      what the action was done to; null for a service-wide one
     * @param givenReason the reason the action itself carries (a query parameter, a review comment); the
     *                    {@value #REASON_HEADER} header wins over it
     * @param details     a few values worth keeping (the decision chosen); serialised as a JSON object
     */
    @Transactional
    public void record(AuditAction action, String target, String givenReason, Map<String, ?> details) {
        String actor = "system";
        String[] roles = new String[0];
        String reason = givenReason;
        if (Arc.container().requestContext().isActive()) {
            actor = identity.isAnonymous()
                    ? "anonymous"
                    : identity.getPrincipal().getName();
            roles = identity.getRoles().stream().sorted().toArray(String[]::new);
            String header = headers.getHeaderString(REASON_HEADER);
            if (header != null && !header.isBlank()) {
                reason = header;
            }
        }
        String detailsJson;
        try {
            detailsJson = json.writeValueAsString(details == null ? Map.of() : details);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the details of " + action + " are not JSON: " + e.getMessage(), e);
        }
        entries.insert(actor, roles, action.code(), target, bounded(reason), detailsJson);
    }

    /**
     * Entries newest first.
     *
     * @param since  an instant ({@code 2026-12-04T10:00:00Z}) or an age ({@code 90m}, {@code 24h}, {@code 7d})
     * @param actor  exactly this identity's name
     * @param action exactly this action code
     * @param target exactly this target
     * @param limit  1..{@value #MAX_LIMIT}, {@value #DEFAULT_LIMIT} when absent
     * @throws ProblemException 400 naming each bad parameter
     */
    @Transactional
    public List<AuditEntry> list(String since, String actor, String action, String target, Integer limit) {
        List<Problem.ProblemError> errors = new ArrayList<>();
        Instant from = null;
        if (since != null && !since.isBlank()) {
            from = parseSince(since.strip());
            if (from == null) {
                errors.add(new Problem.ProblemError(
                        "since must be an instant (2026-12-04T10:00:00Z) or an age (90m, 24h, 7d), not '" + since + "'",
                        null,
                        "since"));
            }
        }
        if (action != null
                && !action.isBlank()
                && AuditAction.ofCode(action.strip()).isEmpty()) {
            errors.add(new Problem.ProblemError(
                    "unknown action '" + action + "'; known: "
                            + Arrays.stream(AuditAction.values())
                                    .map(AuditAction::code)
                                    .toList(),
                    null,
                    "action"));
        }
        if (limit != null && (limit < 1 || limit > MAX_LIMIT)) {
            errors.add(new Problem.ProblemError("limit must be 1.." + MAX_LIMIT + ", not " + limit, null, "limit"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.badRequest(
                    INVALID_AUDIT_QUERY, "Invalid audit query", errors.get(0).message(), errors);
        }
        return entries.find(
                new AuditEntryRepository.Filter(from, actor, action, target, limit == null ? DEFAULT_LIMIT : limit));
    }

    /** An instant, or an age back from now; null if it is neither. */
    static Instant parseSince(String since) {
        Matcher relative = RELATIVE.matcher(since);
        if (relative.matches()) {
            long amount = Long.parseLong(relative.group(1));
            Duration age = switch (relative.group(2)) {
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
            return Instant.now().minus(age);
        }
        try {
            return OffsetDateTime.parse(since).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * A reason the action carried itself (a review comment) may be longer than a header may be: the trail keeps its
     * start; the action keeps it whole.
     */
    private static String bounded(String reason) {
        if (reason == null || reason.isBlank()) {
            return null;
        }
        String stripped = reason.strip();
        return stripped.length() <= MAX_REASON_LENGTH ? stripped : stripped.substring(0, MAX_REASON_LENGTH - 1) + "…";
    }
}
