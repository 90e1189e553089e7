package dev.forgeline.dispatcher.model;

import java.util.List;

/**
 * A page of a node's lease feed.
 *
 * @param node   the node the feed is for
 * @param events the lease and revocation events after the position asked for, oldest first
 * @param next   the position to ask for next ({@code after=next}); asking for it also tells the dispatcher that
 *               everything up to it has been read
 * @param more   whether more events were already waiting than this page holds
 */
public record LeaseFeedPage(String node, List<Event> events, long next, boolean more) {

    /**
     * One event of the feed.
     *
     * @param seq      its position in the node's feed (1, 2, 3 ... per node)
     * @param type     the event type's wire name: task.leased or lease.revoked
     * @param envelope the event's envelope as JSON, as it is published on the leases topic
     */
    public record Event(long seq, String type, String envelope) {}
}
