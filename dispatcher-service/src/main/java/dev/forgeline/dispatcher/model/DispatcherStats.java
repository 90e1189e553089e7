package dev.forgeline.dispatcher.model;

/** Counters since the schema was created (they survive restarts). */
public record DispatcherStats(long leasesGranted, long staleHeartbeats, long staleResults, long orphaned,
        long timedOut) {
}
