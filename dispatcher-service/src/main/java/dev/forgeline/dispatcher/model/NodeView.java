package dev.forgeline.dispatcher.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.forgeline.contracts.payload.ProfileOffer;
import dev.forgeline.dispatcher.domain.NodeStatus;

/**
 * A node with its slot usage.
 *
 * @param kind            LAPTOP or CLUSTER
 * @param statusReason    why the node is DEAD, DRAINING or CORDONED
 * @param instanceId      the worker process that last sent a node heartbeat; shown to operators only, since a
 *                        heartbeat naming it is taken as the node's own
 * @param nodeHeartbeatAt the last node heartbeat; null for a node that only registered
 * @param profileOffers   the agent profiles it advertises with adapter, model and context size, its default first
 */
public record NodeView(
        String name,
        int capacity,
        Map<String, String> labels,
        List<String> agentProfiles,
        NodeStatus status,
        int activeLeases,
        int freeSlots,
        Instant registeredAt,
        Instant lastSeenAt,
        String kind,
        String statusReason,
        String instanceId,
        Instant nodeHeartbeatAt,
        List<ProfileOffer> profileOffers) {

    /** The same node without its instance id. */
    public NodeView withoutInstance() {
        return new NodeView(
                name,
                capacity,
                labels,
                agentProfiles,
                status,
                activeLeases,
                freeSlots,
                registeredAt,
                lastSeenAt,
                kind,
                statusReason,
                null,
                nodeHeartbeatAt,
                profileOffers);
    }
}
