package dev.forgeline.dispatcher.repository;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.EnumMap;
import java.util.Map;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.dispatcher.domain.Counter;
import io.agroal.api.AgroalDataSource;

/** The persistent counters behind GET /dispatcher/stats. */
@ApplicationScoped
public class CounterRepository {
    private final AgroalDataSource dataSource;

    public CounterRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Adds to a counter in the caller's transaction. Callers do this last: the counter row is hot, so it is
     * held for as short a time as possible and never while waiting for another lock.
     */
    public void increment(Counter counter, long by) {
        if (by == 0) {
            return;
        }
        Jdbc.call(dataSource, "increment " + counter, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE dispatcher_counter SET value = value + ? WHERE name = ?")) {
                ps.setLong(1, by);
                ps.setString(2, counter.rowName());
                return ps.executeUpdate();
            }
        });
    }

    public Map<Counter, Long> readAll() {
        return Jdbc.call(dataSource, "read counters", c -> {
            Map<Counter, Long> values = new EnumMap<>(Counter.class);
            for (Counter counter : Counter.values()) {
                values.put(counter, 0L);
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT name, value FROM dispatcher_counter");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    for (Counter counter : Counter.values()) {
                        if (counter.rowName().equals(rs.getString("name"))) {
                            values.put(counter, rs.getLong("value"));
                        }
                    }
                }
            }
            return values;
        });
    }
}
