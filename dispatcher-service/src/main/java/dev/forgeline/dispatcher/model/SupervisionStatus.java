package dev.forgeline.dispatcher.model;

import java.time.Instant;

/**
 * Whether supervision judges leases and nodes yet. After a start it waits one silence window (missed-heartbeats x
 * heartbeat-interval) measured from this dispatcher's start, and until the heartbeat consumer has read the
 * heartbeats that were waiting on the topic.
 *
 * @param judging true once leases are orphaned or timed out and silent nodes declared DEAD
 * @param dispatcherStartedAt when this dispatcher process started
 * @param startsAt when supervision starts (the end of the silence window); later when catching up takes longer
 * @param heartbeatsBehind heartbeats on the topic at start that are not applied yet
 * @param waitingFor why supervision does not judge yet; null once it does
 */
public record SupervisionStatus(
        boolean judging, Instant dispatcherStartedAt, Instant startsAt, long heartbeatsBehind, String waitingFor) {}
