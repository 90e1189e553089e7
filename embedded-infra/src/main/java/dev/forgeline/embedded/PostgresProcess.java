package dev.forgeline.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL 17 server (the postmaster is an OS process of its own, started by {@code pg_ctl}) on a fixed
 * port and a persistent data directory, so that it can be killed ({@code kill -9} of the postmaster) and restarted
 * on the same data: the new server runs crash recovery from its write-ahead log, as after a power cut.
 */
public final class PostgresProcess implements PostgresEndpoint {
    private final Path dataDirectory;
    private final int port;
    private EmbeddedPostgres postgres;

    private PostgresProcess(Path dataDirectory, int port) {
        this.dataDirectory = dataDirectory.toAbsolutePath();
        this.port = port;
    }

    /** Starts a server on a free port with a new cluster in {@code dataDirectory} (emptied first). */
    public static PostgresProcess start(Path dataDirectory) {
        return start(dataDirectory, false);
    }

    /**
     * Starts a server on a free port on the cluster in {@code dataDirectory}.
     *
     * @param keepData reuse the cluster (and its data) a previous server left there; false empties the directory
     */
    public static PostgresProcess start(Path dataDirectory, boolean keepData) {
        if (!keepData || !Files.exists(dataDirectory.resolve("PG_VERSION"))) {
            // nothing to keep where no cluster was made (or only part of one): initdb needs an empty directory
            ChildJvm.deleteRecursively(dataDirectory);
        }
        PostgresProcess server = new PostgresProcess(dataDirectory, ServicePorts.free());
        server.launch();
        return server;
    }

    private synchronized void launch() {
        try {
            // initdb only when the directory holds no cluster yet; a restart keeps the data
            postgres = EmbeddedPostgres.builder()
                    .setRegisterShutdownHook(false)
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setServerConfig("max_connections", "300")
                    // a killed process loses no write the kernel has (fsync guards against a machine crash only)
                    .setServerConfig("fsync", "off")
                    // zonky turns this off; on, a commit is in the write-ahead log before it is acknowledged, so a
                    // kill -9 loses no committed transaction, as in production
                    .setServerConfig("synchronous_commit", "on")
                    .start();
            try (Connection c = postgres.getPostgresDatabase().getConnection();
                    Statement s = c.createStatement()) {
                boolean exists;
                try (ResultSet rs =
                        s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + LocalPostgres.DATABASE + "'")) {
                    exists = rs.next();
                }
                if (!exists) {
                    s.execute("CREATE DATABASE " + LocalPostgres.DATABASE);
                }
            }
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("could not start PostgreSQL on " + dataDirectory, e);
        }
    }

    public int port() {
        return port;
    }

    /** The postmaster's process id, as the server recorded it in its data directory. */
    public long pid() {
        try {
            List<String> lines = Files.readAllLines(dataDirectory.resolve("postmaster.pid"));
            return Long.parseLong(lines.get(0).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL on " + dataDirectory + " is not running", e);
        }
    }

    /**
     * Kills the postmaster with SIGKILL, as a crash would, and waits until it and its server processes are gone (they
     * exit on their own once they see the postmaster die; a new postmaster refuses to start while one is left).
     */
    public synchronized void kill() {
        ProcessHandle postmaster = ProcessHandle.of(pid())
                .orElseThrow(() -> new IllegalStateException("the postmaster of " + dataDirectory + " is not running"));
        List<ProcessHandle> servers = postmaster.children().toList();
        postmaster.destroyForcibly();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (postmaster.isAlive() || servers.stream().anyMatch(ProcessHandle::isAlive)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "PostgreSQL processes of " + dataDirectory + " outlived SIGKILL for 30 s");
            }
            if (System.nanoTime() > deadline - TimeUnit.SECONDS.toNanos(20)) {
                servers.forEach(ProcessHandle::destroyForcibly);
            }
            ChildJvm.pause(50);
        }
        releaseQuietly();
    }

    /** Starts a new server on the same port and data directory and returns once it accepts connections. */
    public synchronized void restart() {
        if (postgres != null) {
            throw new IllegalStateException("PostgreSQL on " + dataDirectory + " is still running");
        }
        launch();
    }

    /** Drops the handle on a server that is gone (its lock on the data directory is released). */
    private void releaseQuietly() {
        EmbeddedPostgres gone = postgres;
        postgres = null;
        try {
            gone.close(); // pg_ctl stop finds no server; the lock file is released
        } catch (IOException | RuntimeException ignored) {
            // nothing left to stop
        }
    }

    @Override
    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/" + LocalPostgres.DATABASE;
    }

    @Override
    public String username() {
        return "postgres";
    }

    @Override
    public String password() {
        return "postgres";
    }

    /** Stops the server cleanly (pg_ctl stop -m fast). */
    @Override
    public synchronized void close() {
        if (postgres == null) {
            return;
        }
        try {
            postgres.close();
            postgres = null;
        } catch (IOException e) {
            throw new IllegalStateException("could not stop PostgreSQL on " + dataDirectory, e);
        }
    }
}
