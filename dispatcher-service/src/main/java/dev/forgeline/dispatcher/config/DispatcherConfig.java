package dev.forgeline.dispatcher.config;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import dev.forgeline.contracts.FailureClass;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** Lease, supervision, retry, breaker and batching settings of the dispatcher. */
@ConfigMapping(prefix = "forgeline.dispatcher")
public interface DispatcherConfig {

    /** How often a worker heartbeats a running attempt and its node (sent to workers in every lease). */
    @WithDefault("10s")
    Duration heartbeatInterval();

    /** A lease (or a node announcing node heartbeats) silent for this many intervals is ORPHANED (DEAD). */
    @WithDefault("3")
    int missedHeartbeats();

    /** Attempts a task gets per request, whatever the classes of its failures. */
    @WithDefault("5")
    int maxAttempts();

    /** The shortest start-to-close deadline of a lease. */
    @WithDefault("30s")
    Duration minLeaseDuration();

    /** Start-to-close: a lease's deadline is this factor times the task's estimate (at least min-lease-duration). */
    @WithDefault("1.5")
    double timeoutFactor();

    /** The sweeper resets a task LEASED or RUNNING for longer than this factor times its estimate. */
    @WithDefault("2.0")
    double sweeperFactor();

    /** How often the sweeper and the schedule-to-start check run. */
    @WithDefault("5s")
    Duration sweepInterval();

    /** A READY task waiting longer than this with no node able to take it is flagged with the reason. */
    @WithDefault("60s")
    Duration scheduleToStart();

    /** Overall limit from the first READY to the end, across retries; past it the task fails for good. */
    @WithDefault("24h")
    Duration scheduleToClose();

    /**
     * A READY task waiting longer than this goes ahead of every task that has not waited as long, whatever the
     * priorities, so no task starves.
     */
    @WithDefault("10m")
    Duration starvationLimit();

    /** Leases a spec got within this window count against it when specs take turns (fair share). */
    @WithDefault("10m")
    Duration fairShareWindow();

    /** Most leases granted (and expired leases supervised) in one transaction. */
    @WithDefault("500")
    int batchSize();

    Retry retry();

    Breakers breaker();

    /**
     * A READY task that no registered node (any status but DEAD) offers to run - its requirements or its agent
     * profile - for this long becomes a decision for a person instead of waiting for schedule-to-close.
     */
    @WithDefault("5m")
    Duration unplaceableGrace();

    /**
     * After a start, supervision waits for the heartbeat consumer to read the heartbeats that were on the topic;
     * if it has not caught up after this long (no partitions assigned, the broker unreachable), supervision starts
     * anyway and says so in the log.
     */
    @WithDefault("5m")
    Duration heartbeatCatchUpLimit();

    /**
     * A node's lease feed entries its worker has not read after this long are deleted (the worker never came back;
     * their leases have long been timed out). What a worker has read is deleted at once.
     */
    @WithDefault("24h")
    Duration leaseFeedRetention();

    /** The retry policy table. */
    interface Retry {
        @WithDefault("1s")
        Duration initialBackoff();

        @WithDefault("2.0")
        double multiplier();

        @WithDefault("5m")
        Duration maxBackoff();

        /** Backoff is multiplied by a random factor in [1 - jitter, 1 + jitter]. */
        @WithDefault("0.2")
        double jitter();

        /**
         * CONTEXT_EXHAUSTED retries on the same profile, in a fresh session told to keep its working set small,
         * when no node offers a larger context (an agent that read too much can finish on a second try); after
         * these the task fails for good and the planner splits it.
         */
        @WithDefault("1")
        int contextFreshSessionRetries();

        /** Overrides of the built-in table, by failure class. */
        @WithName("classes")
        Map<FailureClass, ClassPolicy> classes();
    }

    interface ClassPolicy {
        /** RETRY, RETRY_WITH_OUTPUT, RETRY_WITH_REVIEW_COMMENT, LARGER_CONTEXT, BACKOFF, HUMAN_DECISION, NEVER */
        Optional<String> strategy();

        /** Retries allowed for this class within one request. */
        OptionalInt maxRetries();
    }

    interface Breakers {
        /** Failed share of the window that opens a profile or node breaker. */
        @WithDefault("0.5")
        double failureRatio();

        /** Attempts the window must hold before a breaker can open; also the window's size. */
        @WithDefault("20")
        int minAttempts();

        /** Time an open breaker waits before letting one probe through. */
        @WithDefault("30s")
        Duration coolDown();

        /** Failed share of the fleet's window that opens the global breaker (pauses all dispatch). */
        @WithDefault("0.8")
        double globalFailureRatio();

        /** Attempts of the fleet window for the global breaker. */
        @WithDefault("50")
        int globalMinAttempts();

        /** How often breakers are evaluated. */
        @WithDefault("500ms")
        Duration evaluateEvery();
    }
}
