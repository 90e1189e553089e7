package dev.forgeline.dispatcher.model;

import dev.forgeline.dispatcher.domain.NodeStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A node with its slot usage. */
public record NodeView(String name, int capacity, Map<String, String> labels, List<String> agentProfiles,
        NodeStatus status, int activeLeases, int freeSlots, Instant registeredAt, Instant lastSeenAt) {
}
