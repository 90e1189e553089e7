package dev.forgeline.dispatcher.model;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A task as the dispatcher sees it. {@code leases} (oldest first) is filled for a single task and empty in
 * lists.
 */
public record TaskView(String specId, String taskId, TaskState state, int attempt, int priority,
        Map<String, String> labels, String agentProfile, String nodeName, Long fencingToken, UUID currentLeaseId,
        FailureClass failureClass, Instant readyAt, Instant updatedAt, List<LeaseView> leases) {
}
