package dev.forgeline.embedded;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/** A real PostgreSQL 17 server started from the binaries shipped as a Maven artifact. */
public final class LocalPostgres implements PostgresEndpoint {
    public static final String DATABASE = "forgeline";
    private final EmbeddedPostgres postgres;

    private LocalPostgres(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Starts a server with its data under {@code dataDirectory}, stopped by a JVM shutdown hook at the latest.
     *
     * @param port 0 picks a free port
     */
    public static LocalPostgres start(Path dataDirectory, int port) {
        return start(dataDirectory, port, true);
    }

    /**
     * @param stopOnJvmExit false when the caller stops the server itself, in order (services before their database)
     */
    public static LocalPostgres start(Path dataDirectory, int port, boolean stopOnJvmExit) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setRegisterShutdownHook(stopOnJvmExit)
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(true)
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off");
            if (port > 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres postgres = builder.start();
            try (Connection c = postgres.getPostgresDatabase().getConnection();
                    Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + DATABASE);
            }
            return new LocalPostgres(postgres);
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("could not start the embedded PostgreSQL server", e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    @Override
    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + DATABASE;
    }

    @Override
    public String username() {
        return "postgres";
    }

    @Override
    public String password() {
        return "postgres";
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new IllegalStateException("could not stop the embedded PostgreSQL server", e);
        }
    }
}
