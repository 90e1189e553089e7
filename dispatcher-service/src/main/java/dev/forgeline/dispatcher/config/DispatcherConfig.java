package dev.forgeline.dispatcher.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Lease, supervision and batching settings of the dispatcher. */
@ConfigMapping(prefix = "forgeline.dispatcher")
public interface DispatcherConfig {

    /** How often a worker heartbeats a running attempt (sent to workers in every lease). */
    @WithDefault("10s")
    Duration heartbeatInterval();

    /** A lease without a heartbeat for this many intervals is orphaned. */
    @WithDefault("3")
    int missedHeartbeats();

    /** Leases a task gets per request before an orphaned or timed-out attempt fails it. */
    @WithDefault("3")
    int maxAttempts();

    /** The shortest start-to-close deadline of a lease. */
    @WithDefault("30s")
    Duration minLeaseDuration();

    /** A lease's deadline is this factor times the task's estimate (at least min-lease-duration). */
    @WithDefault("1.5")
    double timeoutFactor();

    /** Most leases granted (and expired leases supervised) in one transaction. */
    @WithDefault("500")
    int batchSize();
}
