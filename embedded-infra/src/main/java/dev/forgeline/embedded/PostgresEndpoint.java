package dev.forgeline.embedded;

/** A running PostgreSQL server with a database for Forgeline: embedded here, or in a container in tests. */
public interface PostgresEndpoint extends AutoCloseable {
    String jdbcUrl();

    String username();

    String password();

    @Override
    void close();
}
