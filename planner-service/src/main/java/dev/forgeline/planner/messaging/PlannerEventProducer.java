package dev.forgeline.planner.messaging;

import java.util.List;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.TaskCommandKind;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.DecisionRecorded;
import dev.forgeline.contracts.payload.TaskCommand;
import dev.forgeline.planner.domain.Decision;
import dev.forgeline.planner.domain.Spec;
import dev.forgeline.planner.domain.Task;
import dev.forgeline.planner.mapping.SpecMapper;
import dev.forgeline.support.outbox.Outbox;

/**
 * Announces READY tasks on {@code forgeline.tasks.ready}, commands on {@code forgeline.tasks.commands} and
 * decisions on {@code forgeline.decisions}. Goes through the outbox, so it must be called in the transaction
 * that made the change: the event exists if and only if that change commits.
 */
@ApplicationScoped
public class PlannerEventProducer {
    private final Outbox outbox;
    private final SpecMapper mapper;

    public PlannerEventProducer(Outbox outbox, SpecMapper mapper) {
        this.outbox = outbox;
        this.mapper = mapper;
    }

    public void announce(Spec spec, Task task, List<Task> specTasks) {
        outbox.append(
                EventType.TASK_READY,
                spec.id,
                task.taskId,
                Topics.key(spec.id, task.taskId),
                mapper.toTaskReady(spec, task, specTasks));
    }

    public void command(Spec spec, Task task, TaskCommandKind kind, String reason) {
        outbox.append(
                EventType.TASK_COMMAND,
                spec.id,
                task.taskId,
                Topics.key(spec.id, task.taskId),
                new TaskCommand(spec.id, task.taskId, kind, spec.revision, reason));
    }

    public void decisionRecorded(Decision decision, String project) {
        outbox.append(
                EventType.DECISION_RECORDED,
                decision.specId,
                decision.taskId,
                Topics.key(decision.specId, decision.taskId),
                new DecisionRecorded(
                        decision.id,
                        decision.specId,
                        decision.taskId,
                        decision.kind,
                        0,
                        decision.requestedAt,
                        decision.decidedAt,
                        decision.decidedBy,
                        decision.outcome,
                        project));
    }
}
