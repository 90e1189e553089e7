package dev.forgeline.dispatcher.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.dispatcher.task.TaskIntakeService;
import dev.forgeline.support.inbox.InboundEvents;
import io.smallrye.reactive.messaging.annotations.Blocking;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * forgeline.tasks.ready: tasks the planner released. Records are applied concurrently ({@code ordered = false}):
 * tasks are independent, and two deliveries for the same task meet on its primary key, so order does not
 * matter while the per-record transactions overlap their round trips.
 */
@ApplicationScoped
public class TaskReadyConsumer {
    static final String CONSUMER = "dispatcher-service.tasks-ready";

    private final InboundEvents inboundEvents;
    private final TaskIntakeService intake;

    public TaskReadyConsumer(InboundEvents inboundEvents, TaskIntakeService intake) {
        this.inboundEvents = inboundEvents;
        this.intake = intake;
    }

    @Incoming("tasks-ready")
    @Blocking(ordered = false)
    public void onTaskReady(String record) {
        inboundEvents.handleOnce(
                CONSUMER,
                record,
                envelope -> intake.accept(envelope.specId(), envelope.taskId(), envelope.payloadAs(TaskReady.class)));
    }
}
