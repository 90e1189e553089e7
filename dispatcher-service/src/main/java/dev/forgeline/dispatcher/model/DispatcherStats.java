package dev.forgeline.dispatcher.model;

import java.util.List;

/**
 * Counters since the schema was created (they survive restarts), and whether dispatch is held and why.
 *
 * @param staleAcks revocation acknowledgements carrying a token that is no longer current
 */
public record DispatcherStats(
        long leasesGranted,
        long staleHeartbeats,
        long staleResults,
        long orphaned,
        long timedOut,
        long staleAcks,
        long retries,
        long permanentFailures,
        long cancelled,
        long swept,
        long nodesDead,
        long refusedNodeHeartbeats,
        boolean paused,
        List<String> holdReasons) {}
