package dev.forgeline.dispatcher.mapping;

import java.util.List;

import dev.forgeline.dispatcher.domain.Lease;
import dev.forgeline.dispatcher.domain.Task;
import dev.forgeline.dispatcher.model.AttemptView;
import dev.forgeline.dispatcher.model.LeaseView;
import dev.forgeline.dispatcher.model.TaskView;
import dev.forgeline.dispatcher.model.WaitingReason;

/** Task and lease entities to their REST views. */
public final class TaskMapper {
    private TaskMapper() {}

    public static TaskView toView(
            Task task, List<Lease> leases, List<AttemptView> attempts, List<WaitingReason> waiting) {
        String waitingReason = waiting.isEmpty()
                ? null
                : String.join("; ", waiting.stream().map(WaitingReason::message).toList());
        return new TaskView(
                task.specId,
                task.taskId,
                task.state,
                task.attempt,
                task.priority,
                StringMapJson.read(task.labelsJson),
                task.agentProfile,
                task.nodeName,
                task.fencingToken,
                task.currentLeaseId,
                task.failureClass,
                task.readyAt,
                task.updatedAt,
                leases.stream().map(TaskMapper::toView).toList(),
                task.revision,
                task.leaseProfile,
                task.failureDetail,
                task.permanent,
                task.notBefore,
                waitingReason,
                attempts,
                StringMapJson.read(task.requiresJson),
                waiting);
    }

    public static LeaseView toView(Lease lease) {
        return new LeaseView(
                lease.id,
                lease.fencingToken,
                lease.nodeName,
                lease.attempt,
                lease.leasedAt,
                lease.deadline,
                lease.lastHeartbeatAt,
                lease.endedAt,
                lease.outcome,
                lease.agentProfile);
    }
}
