package dev.forgeline.planner.llm;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;
import org.jboss.logging.Logger;

/** Records each LLM planner call's tokens and cost in {@code llm_usage}, outside the caller's transaction. */
@ApplicationScoped
public class LlmUsageLog {
    private static final Logger LOG = Logger.getLogger(LlmUsageLog.class);
    private final AgroalDataSource dataSource;

    public LlmUsageLog(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void record(
            String purpose, String provider, String model, long input, long output, BigDecimal cost, int attempts) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement insert = c.prepareStatement(
                        "INSERT INTO llm_usage (id, purpose, provider, model, input_tokens, output_tokens, cost_usd, attempts)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setObject(1, UUID.randomUUID());
            insert.setString(2, purpose);
            insert.setString(3, provider);
            insert.setString(4, model);
            insert.setLong(5, input);
            insert.setLong(6, output);
            insert.setBigDecimal(7, cost);
            insert.setInt(8, attempts);
            insert.executeUpdate();
        } catch (SQLException e) {
            LOG.warnf("LLM usage not recorded: %s", e.getMessage());
        }
    }
}
