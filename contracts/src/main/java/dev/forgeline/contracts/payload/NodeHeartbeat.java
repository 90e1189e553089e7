package dev.forgeline.contracts.payload;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * worker -> dispatcher: the node is alive, whether or not it runs anything. Key: node name.
 *
 * @param kind          LAPTOP or CLUSTER
 * @param instanceId    changes when the worker process restarts (a new instance abandoned the old one's attempts)
 * @param agentProfiles the agent profiles this node can run
 * @param runningLeases the leases the node is running right now
 * @param profileOffers the agent profiles this node offers with their adapter, model and context size; the node's
 *                      default profile (what a lease naming no profile runs) first
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NodeHeartbeat(
        String nodeName,
        String kind,
        String instanceId,
        Map<String, String> labels,
        List<String> agentProfiles,
        int capacity,
        List<java.util.UUID> runningLeases,
        Instant sentAt,
        List<ProfileOffer> profileOffers) {
    @JsonCreator
    public NodeHeartbeat {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        agentProfiles = agentProfiles == null ? List.of() : List.copyOf(agentProfiles);
        runningLeases = runningLeases == null ? List.of() : List.copyOf(runningLeases);
        profileOffers = profileOffers == null ? List.of() : List.copyOf(profileOffers);
    }

    /** A heartbeat of a node that advertises profile names only (no context sizes). */
    public NodeHeartbeat(
            String nodeName,
            String kind,
            String instanceId,
            Map<String, String> labels,
            List<String> agentProfiles,
            int capacity,
            List<java.util.UUID> runningLeases,
            Instant sentAt) {
        this(nodeName, kind, instanceId, labels, agentProfiles, capacity, runningLeases, sentAt, List.of());
    }
}
