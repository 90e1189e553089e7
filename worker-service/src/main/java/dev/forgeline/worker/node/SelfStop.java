package dev.forgeline.worker.node;

import java.time.Duration;
import java.time.Instant;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.worker.attempt.AttemptProgress;

/**
 * The self-stop rule: an attempt whose worker has had no heartbeat acknowledged by Kafka for 3 heartbeat intervals
 * of its lease is stopped (its process tree killed, failure class ORPHANED). By then the dispatcher has counted
 * three missed heartbeats, declared the node dead and re-queued the task: an orphan must not keep working on it.
 */
public final class SelfStop {
    private SelfStop() {}

    /** @return whether this call stopped the attempt */
    public static boolean check(AttemptProgress progress, ContactMonitor contact, Instant now) {
        long timeoutSeconds = 3L * Math.max(1, progress.lease().heartbeatInterval());
        Duration silence = contact.sinceLastContact(now);
        if (silence.toMillis() < timeoutSeconds * 1000) {
            return false;
        }
        return progress.requestStop(
                FailureClass.ORPHANED,
                "self-stop: no heartbeat acknowledged by Kafka for "
                        + silence.toSeconds() + " s (timeout " + timeoutSeconds
                        + " s); the dispatcher has given the task to "
                        + "another node");
    }
}
