package dev.forgeline.dispatcher.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.payload.BudgetAlert;
import dev.forgeline.contracts.payload.ReviewBacklog;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskCommand;
import dev.forgeline.dispatcher.gate.GateService;
import dev.forgeline.dispatcher.task.TaskControlService;
import dev.forgeline.support.inbox.InboundEvents;
import io.smallrye.common.annotation.Blocking;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Commands and signals from the other services, each applied once (InboundEvents), other event types on the
 * same topics skipped: forgeline.tasks.commands (CANCEL, SUPERSEDE), forgeline.budget.alerts,
 * forgeline.review.backlog, forgeline.review.outcomes (MERGE_CONFLICT / CHANGES_REQUESTED send a task back).
 */
@ApplicationScoped
public class ControlConsumers {
    private final InboundEvents inboundEvents;
    private final TaskControlService control;
    private final GateService gates;

    public ControlConsumers(InboundEvents inboundEvents, TaskControlService control, GateService gates) {
        this.inboundEvents = inboundEvents;
        this.control = control;
        this.gates = gates;
    }

    @Incoming("task-commands")
    @Blocking
    public void onTaskCommand(String record) {
        inboundEvents.handleOnce("dispatcher-service.task-commands", record, envelope -> {
            if (envelope.eventType() == EventType.TASK_COMMAND) {
                control.applyCommand(envelope.payloadAs(TaskCommand.class));
            }
        });
    }

    @Incoming("budget-alerts")
    @Blocking
    public void onBudgetAlert(String record) {
        inboundEvents.handleOnce("dispatcher-service.budget-alerts", record, envelope -> {
            if (envelope.eventType() == EventType.BUDGET_ALERT) {
                gates.applyBudgetAlert(envelope.payloadAs(BudgetAlert.class));
            }
        });
    }

    @Incoming("review-backlog")
    @Blocking
    public void onReviewBacklog(String record) {
        inboundEvents.handleOnce("dispatcher-service.review-backlog", record, envelope -> {
            if (envelope.eventType() == EventType.REVIEW_BACKLOG) {
                gates.applyReviewBacklog(envelope.payloadAs(ReviewBacklog.class));
            }
        });
    }

    @Incoming("review-outcomes")
    @Blocking
    public void onReviewOutcome(String record) {
        inboundEvents.handleOnce("dispatcher-service.review-outcomes", record, envelope -> {
            if (envelope.eventType() == EventType.REVIEW_OUTCOME) {
                control.applyReviewOutcome(envelope.payloadAs(ReviewOutcome.class));
            }
        });
    }
}
