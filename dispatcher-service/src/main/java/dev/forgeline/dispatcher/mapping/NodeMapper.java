package dev.forgeline.dispatcher.mapping;

import java.util.List;

import dev.forgeline.dispatcher.domain.Node;
import dev.forgeline.dispatcher.domain.NodeStatus;
import dev.forgeline.dispatcher.model.NodeView;

/** Node entity to its REST view. */
public final class NodeMapper {
    private NodeMapper() {}

    public static NodeView toView(Node node) {
        int free = node.status == NodeStatus.READY ? Math.max(0, node.capacity - node.activeLeases) : 0;
        List<String> profiles = node.agentProfiles == null ? List.of() : List.of(node.agentProfiles);
        return new NodeView(
                node.name,
                node.capacity,
                StringMapJson.read(node.labelsJson),
                profiles,
                node.status,
                node.activeLeases,
                free,
                node.registeredAt,
                node.lastSeenAt,
                node.kind,
                node.statusReason,
                node.instanceId,
                node.nodeHeartbeatAt,
                ProfileOffersJson.read(node.profileOffersJson));
    }
}
