package dev.forgeline.worker.node;

import java.time.Duration;
import java.time.Instant;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * When the worker last heard from Kafka: every heartbeat the broker acknowledges is contact. The dispatcher knows
 * the worker only through those heartbeats, so a worker whose heartbeats are not acknowledged is, for the
 * dispatcher, a dead node whose leases go to someone else.
 */
@ApplicationScoped
public class ContactMonitor {
    private volatile Instant lastContact = Instant.now();

    public void recordContact() {
        lastContact = Instant.now();
    }

    public Instant lastContact() {
        return lastContact;
    }

    /** Sets the time of the last contact (for tests of the self-stop). */
    public void lastContact(Instant at) {
        lastContact = at;
    }

    public Duration sinceLastContact(Instant now) {
        return Duration.between(lastContact, now);
    }
}
