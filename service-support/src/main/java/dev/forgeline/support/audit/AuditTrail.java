package dev.forgeline.support.audit;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.problem.ProblemException;
import io.agroal.api.AgroalDataSource;
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

    private final AgroalDataSource dataSource;
    private final SecurityIdentity identity;
    private final HttpHeaders headers;
    private final ObjectMapper json;

    public AuditTrail(AgroalDataSource dataSource, SecurityIdentity identity, HttpHeaders headers, ObjectMapper json) {
        this.dataSource = dataSource;
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
        reason = bounded(reason);
        try (Connection c = dataSource.getConnection();
                PreparedStatement insert = c.prepareStatement("""
                        INSERT INTO audit_entry (actor, roles, action, target, reason, details)
                        VALUES (?, ?, ?, ?, ?, ?::jsonb)
                        """)) {
            insert.setString(1, actor);
            insert.setArray(2, c.createArrayOf("text", roles));
            insert.setString(3, action.code());
            insert.setString(4, target);
            insert.setString(5, reason);
            insert.setString(6, json.writeValueAsString(details == null ? Map.of() : details));
            insert.executeUpdate();
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException("cannot record " + action + " of " + target + " in the audit trail", e);
        }
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
        StringBuilder sql =
                new StringBuilder("SELECT id, at, actor, roles, action, target, reason, details::text AS details"
                        + " FROM audit_entry WHERE true");
        List<Object> parameters = new ArrayList<>();
        if (from != null) {
            sql.append(" AND at >= ?");
            parameters.add(OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
        }
        addEquals(sql, parameters, "actor", actor);
        addEquals(sql, parameters, "action", action);
        addEquals(sql, parameters, "target", target);
        sql.append(" ORDER BY at DESC, id DESC LIMIT ?");
        parameters.add(limit == null ? DEFAULT_LIMIT : limit);
        try (Connection c = dataSource.getConnection();
                PreparedStatement select = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < parameters.size(); i++) {
                select.setObject(i + 1, parameters.get(i));
            }
            List<AuditEntry> entries = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    entries.add(entry(rows));
                }
            }
            return entries;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the audit trail", e);
        }
    }

    private AuditEntry entry(ResultSet rows) throws SQLException {
        Array roles = rows.getArray("roles");
        JsonNode details;
        try {
            details = json.readTree(rows.getString("details"));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("audit entry " + rows.getLong("id") + " has details that are not JSON", e);
        }
        return new AuditEntry(
                rows.getLong("id"),
                rows.getObject("at", OffsetDateTime.class).toInstant(),
                rows.getString("actor"),
                List.of((String[]) roles.getArray()),
                rows.getString("action"),
                rows.getString("target"),
                rows.getString("reason"),
                details);
    }

    private static void addEquals(StringBuilder sql, List<Object> parameters, String column, String value) {
        if (value != null && !value.isBlank()) {
            sql.append(" AND ").append(column).append(" = ?");
            parameters.add(value.strip());
        }
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
