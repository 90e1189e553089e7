package dev.forgeline.dispatcher.repository;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;

/** Which failures are PostgreSQL giving up one transaction of a conflict, as its driver reports them. */
class JdbcTest {
    @Test
    void aDeadlockOrSerializationFailureIsLostToAConcurrentTransaction() {
        assertThat(Jdbc.lostToConcurrentTransaction(wrapped("40P01"))).isTrue();
        assertThat(Jdbc.lostToConcurrentTransaction(wrapped("40001"))).isTrue();
    }

    @Test
    void otherFailuresAreNot() {
        assertThat(Jdbc.lostToConcurrentTransaction(wrapped("23505"))).isFalse();
        assertThat(Jdbc.lostToConcurrentTransaction(wrapped(null))).isFalse();
        assertThat(Jdbc.lostToConcurrentTransaction(new IllegalStateException("no cause")))
                .isFalse();
    }

    private static IllegalStateException wrapped(String sqlState) {
        return new IllegalStateException("cannot record", new SQLException("ERROR", sqlState));
    }
}
