package dev.forgeline.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where PostgreSQL's time goes per statement during a window of a run ({@code --profile}): pg_stat_statements, which
 * the benchmark's server then loads at start ({@code shared_preload_libraries}), reset when the window opens and read
 * when it closes, for the run's database only. Execution time only (planning is not tracked); statements of every
 * connection of the database, so also the dispatcher's background work (outbox relay, gauges) in that window.
 */
final class StatementProfile {
    static final int TOP = 15;

    /** One normalised statement's totals in the window. */
    record Row(String query, long calls, double totalMs, double meanMs, long rows) {}

    /** The window's statements, most total time first, and the sum over all of them. */
    record Report(List<Row> top, int statements, long calls, double totalMs) {}

    private final BenchPostgres postgres;

    StatementProfile(BenchPostgres postgres) {
        this.postgres = postgres;
        try (Connection c = postgres.connect("postgres");
                Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        } catch (SQLException e) {
            throw new IllegalStateException("pg_stat_statements is not available: " + e.getMessage(), e);
        }
    }

    /** Opens the window: forgets the statements run so far. */
    void reset() {
        try (Connection c = postgres.connect("postgres");
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_stat_statements_reset()");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot reset pg_stat_statements: " + e.getMessage(), e);
        }
    }

    /** Closes the window: the statements run in {@code database} since {@link #reset()}. */
    Report read(String database) {
        String sql = """
                SELECT query, calls, total_exec_time, mean_exec_time, rows
                FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
                WHERE d.datname = ?
                ORDER BY total_exec_time DESC
                """;
        List<Row> top = new ArrayList<>();
        int statements = 0;
        long calls = 0;
        double totalMs = 0;
        try (Connection c = postgres.connect("postgres");
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Row row = new Row(
                            rs.getString("query"),
                            rs.getLong("calls"),
                            rs.getDouble("total_exec_time"),
                            rs.getDouble("mean_exec_time"),
                            rs.getLong("rows"));
                    statements++;
                    calls += row.calls();
                    totalMs += row.totalMs();
                    if (top.size() < TOP) {
                        top.add(row);
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read pg_stat_statements: " + e.getMessage(), e);
        }
        return new Report(top, statements, calls, totalMs);
    }

    /**
     * The report as a table: per statement calls, total and mean ms, rows, ms per lease, and its share of the
     * window's wall time and of all statement time.
     */
    static String table(Report report, String what, int leases, long windowMs, String window, long rounds) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "statements of %s (pg_stat_statements, %d leases, window %d ms %s, %d dispatch rounds): %d"
                        + " statements, %d calls, %.0f ms in all (%.1f%% of the window, %.2f ms per lease)%n",
                what,
                leases,
                windowMs,
                window,
                rounds,
                report.statements(),
                report.calls(),
                report.totalMs(),
                100.0 * report.totalMs() / windowMs,
                report.totalMs() / leases));
        out.append(String.format(
                Locale.ROOT,
                "%8s %10s %9s %8s %8s %6s %6s  %s%n",
                "calls",
                "total ms",
                "mean ms",
                "rows",
                "ms/lease",
                "%run",
                "%sql",
                "statement"));
        for (Row row : report.top()) {
            out.append(String.format(
                    Locale.ROOT,
                    "%8d %10.1f %9.3f %8d %8.4f %6.1f %6.1f  %s%n",
                    row.calls(),
                    row.totalMs(),
                    row.meanMs(),
                    row.rows(),
                    row.totalMs() / leases,
                    100.0 * row.totalMs() / windowMs,
                    report.totalMs() == 0 ? 0.0 : 100.0 * row.totalMs() / report.totalMs(),
                    oneLine(row.query())));
        }
        return out.toString();
    }

    private static String oneLine(String query) {
        String line = query.replaceAll("\\s+", " ").trim();
        return line.length() > 140 ? line.substring(0, 137) + "..." : line;
    }
}
