package dev.forgeline.planner.messaging;

import dev.forgeline.contracts.EventType;
import dev.forgeline.planner.domain.Spec;
import dev.forgeline.planner.domain.Task;
import dev.forgeline.planner.mapping.SpecMapper;
import dev.forgeline.support.outbox.Outbox;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Announces READY tasks on {@code forgeline.tasks.ready}. Goes through the outbox, so it must be called in
 * the transaction that made the task READY: the event exists if and only if that change commits.
 */
@ApplicationScoped
public class TaskReadyProducer {
    private final Outbox outbox;
    private final SpecMapper mapper;

    public TaskReadyProducer(Outbox outbox, SpecMapper mapper) {
        this.outbox = outbox;
        this.mapper = mapper;
    }

    public void announce(Spec spec, Task task) {
        outbox.append(EventType.TASK_READY, spec.id, task.taskId, spec.id + "/" + task.taskId,
                mapper.toTaskReady(spec, task));
    }
}
