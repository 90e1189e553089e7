package dev.forgeline.dispatcher.repository;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;

/**
 * Dispatch gates: reasons the dispatcher holds back all dispatch (PAUSE, BUDGET_DAY) or part of it
 * (BUDGET_SPEC:&lt;spec&gt;, REVIEW_BACKLOG). A gate with an expiry in the past is ignored.
 */
@ApplicationScoped
public class GateRepository {
    public static final String PAUSE = "PAUSE";
    public static final String BUDGET_DAY = "BUDGET_DAY";
    public static final String BUDGET_SPEC = "BUDGET_SPEC:";
    public static final String REVIEW_BACKLOG = "REVIEW_BACKLOG";

    private final AgroalDataSource dataSource;

    public GateRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A gate in force. */
    public record Gate(String name, String specId, String reason, Instant expiresAt, Instant createdAt) {
        public boolean global() {
            return PAUSE.equals(name) || BUDGET_DAY.equals(name);
        }
    }

    public void put(String name, String specId, String reason, Instant expiresAt) {
        Jdbc.call(dataSource, "set gate " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO dispatch_gate (name, spec_id, reason, expires_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET spec_id = EXCLUDED.spec_id, reason = EXCLUDED.reason,
                                                     expires_at = EXCLUDED.expires_at, created_at = now()
                    """)) {
                ps.setString(1, name);
                ps.setString(2, specId);
                ps.setString(3, reason);
                ps.setTimestamp(4, expiresAt == null ? null : Timestamp.from(expiresAt));
                return ps.executeUpdate();
            }
        });
    }

    /** @return whether a gate was removed */
    public boolean remove(String name) {
        return Jdbc.call(dataSource, "remove gate " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM dispatch_gate WHERE name = ?")) {
                ps.setString(1, name);
                return ps.executeUpdate() > 0;
            }
        });
    }

    public int removeAll() {
        return Jdbc.call(dataSource, "remove gates", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM dispatch_gate")) {
                return ps.executeUpdate();
            }
        });
    }

    /** Gates in force now. */
    public List<Gate> active() {
        return Jdbc.call(dataSource, "read gates", c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT name, spec_id, reason, expires_at, created_at FROM dispatch_gate
                    WHERE expires_at IS NULL OR expires_at > now() ORDER BY name
                    """);
                    ResultSet rs = ps.executeQuery()) {
                List<Gate> gates = new ArrayList<>();
                while (rs.next()) {
                    gates.add(gate(rs));
                }
                return gates;
            }
        });
    }

    private static Gate gate(ResultSet rs) throws SQLException {
        return new Gate(
                rs.getString("name"),
                rs.getString("spec_id"),
                rs.getString("reason"),
                Jdbc.instant(rs.getTimestamp("expires_at")),
                Jdbc.instant(rs.getTimestamp("created_at")));
    }
}
