package dev.forgeline.planner.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.planner.service.TaskProgressService;
import dev.forgeline.support.inbox.InboundEvents;
import io.smallrye.common.annotation.Blocking;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** The dispatcher's execution state changes ({@code forgeline.tasks.lifecycle}). */
@ApplicationScoped
public class TaskLifecycleConsumer {
    static final String CONSUMER = "planner-service.tasks-lifecycle";
    private static final Logger LOG = Logger.getLogger(TaskLifecycleConsumer.class);

    private final InboundEvents inboundEvents;
    private final TaskProgressService progress;

    public TaskLifecycleConsumer(InboundEvents inboundEvents, TaskProgressService progress) {
        this.inboundEvents = inboundEvents;
        this.progress = progress;
    }

    @Incoming("tasks-lifecycle")
    @Blocking
    public void onTaskStateChanged(String record) {
        inboundEvents.handleOnce(CONSUMER, record, envelope -> {
            if (!EventType.TASK_STATE_CHANGED.wireName().equals(envelope.type())) {
                LOG.warnf("event %s of type %s on the lifecycle topic ignored", envelope.eventId(), envelope.type());
                return;
            }
            progress.onStateChanged(envelope.payloadAs(TaskStateChanged.class));
        });
    }
}
