package dev.forgeline.support.audit.repository;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.support.audit.AuditEntry;
import io.agroal.api.AgroalDataSource;
import io.quarkus.arc.properties.IfBuildProperty;

/** The {@code audit_entry} table: rows are inserted and read, never changed (a trigger refuses it). */
@ApplicationScoped
@IfBuildProperty(name = "forgeline.outbox.enabled", stringValue = "true", enableIfMissing = true)
public class AuditEntryRepository {
    /** Exact-match filters; null or blank ones are left out. */
    public record Filter(Instant since, String actor, String action, String target, int limit) {}

    private final AgroalDataSource dataSource;
    private final ObjectMapper json;

    public AuditEntryRepository(AgroalDataSource dataSource, ObjectMapper json) {
        this.dataSource = dataSource;
        this.json = json;
    }

    /** Inserts one entry in the current transaction; {@code at} is the database's clock. */
    public void insert(String actor, String[] roles, String action, String target, String reason, String details) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement insert = c.prepareStatement("""
                        INSERT INTO audit_entry (actor, roles, action, target, reason, details)
                        VALUES (?, ?, ?, ?, ?, ?::jsonb)
                        """)) {
            insert.setString(1, actor);
            insert.setArray(2, c.createArrayOf("text", roles));
            insert.setString(3, action);
            insert.setString(4, target);
            insert.setString(5, reason);
            insert.setString(6, details);
            insert.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record " + action + " of " + target + " in the audit trail", e);
        }
    }

    /** Entries newest first. */
    public List<AuditEntry> find(Filter filter) {
        StringBuilder sql =
                new StringBuilder("SELECT id, at, actor, roles, action, target, reason, details::text AS details"
                        + " FROM audit_entry WHERE true");
        List<Object> parameters = new ArrayList<>();
        if (filter.since() != null) {
            sql.append(" AND at >= ?");
            parameters.add(OffsetDateTime.ofInstant(filter.since(), ZoneOffset.UTC));
        }
        addEquals(sql, parameters, "actor", filter.actor());
        addEquals(sql, parameters, "action", filter.action());
        addEquals(sql, parameters, "target", filter.target());
        sql.append(" ORDER BY at DESC, id DESC LIMIT ?");
        parameters.add(filter.limit());
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
        try {
            return new AuditEntry(
                    rows.getLong("id"),
                    rows.getObject("at", OffsetDateTime.class).toInstant(),
                    rows.getString("actor"),
                    List.of((String[]) roles.getArray()),
                    rows.getString("action"),
                    rows.getString("target"),
                    rows.getString("reason"),
                    json.readTree(rows.getString("details")));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("audit entry " + rows.getLong("id") + " has details that are not JSON", e);
        }
    }

    private static void addEquals(StringBuilder sql, List<Object> parameters, String column, String value) {
        if (value != null && !value.isBlank()) {
            sql.append(" AND ").append(column).append(" = ?");
            parameters.add(value.strip());
        }
    }
}
