package dev.forgeline.dispatcher.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;

/**
 * A task as the dispatcher sees it. {@code leases} and {@code attempts} (oldest first) are filled for a single
 * task and empty in lists.
 *
 * @param nextAgentProfile the profile the next attempt runs when a retry changed it (larger context)
 * @param labels           metadata (story, requirement, phase, optional): shown, never used for placement
 * @param requires         placement requirements: a node must offer each of them as a label
 * @param waitingReason    why a READY task is not leased right now, in words (the messages of {@code waiting});
 *                         null for a task that is not READY
 * @param waiting          the same, machine-readable: every reason that holds the READY task (empty otherwise)
 * @param permanent        FAILED for good: no retry follows
 */
public record TaskView(
        String specId,
        String taskId,
        TaskState state,
        int attempt,
        int priority,
        Map<String, String> labels,
        String agentProfile,
        String nodeName,
        Long fencingToken,
        UUID currentLeaseId,
        FailureClass failureClass,
        Instant readyAt,
        Instant updatedAt,
        List<LeaseView> leases,
        int revision,
        String nextAgentProfile,
        String failureDetail,
        boolean permanent,
        Instant notBefore,
        String waitingReason,
        List<AttemptView> attempts,
        Map<String, String> requires,
        List<WaitingReason> waiting) {}
