package dev.forgeline.dispatcher.repository;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import javax.sql.DataSource;

/**
 * Runs set-based SQL on the connection of the caller's transaction (Agroal hands out the connection enlisted in
 * the JTA transaction, the same one Hibernate and the outbox use).
 */
final class Jdbc {
    interface Work<T> {
        T apply(Connection connection) throws SQLException;
    }

    private Jdbc() {}

    static <T> T call(DataSource dataSource, String what, Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return work.apply(connection);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot " + what + ": " + e.getMessage(), e);
        }
    }

    static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    /** Microseconds since the epoch: PostgreSQL's timestamp precision, exact through SQL arithmetic. */
    static long epochMicros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    }
}
