package dev.forgeline.testsupport;

/** A running PostgreSQL server with a database for Forgeline, embedded or in a container. */
public interface PostgresEndpoint extends AutoCloseable {
    String jdbcUrl();

    String username();

    String password();

    @Override
    void close();
}
