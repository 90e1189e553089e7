package dev.forgeline.contracts;

import dev.forgeline.contracts.payload.BreakerChanged;
import dev.forgeline.contracts.payload.BudgetAlert;
import dev.forgeline.contracts.payload.DecisionRecorded;
import dev.forgeline.contracts.payload.Heartbeat;
import dev.forgeline.contracts.payload.LeaseRevoked;
import dev.forgeline.contracts.payload.NodeHeartbeat;
import dev.forgeline.contracts.payload.ReviewBacklog;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskCommand;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskProposal;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TaskStateChanged;

/**
 * Every event type, the topic it travels on, its payload record and current schema version. A topic may carry more
 * than one type: consumers switch on {@link Envelope#type()} and skip types they do not handle.
 */
public enum EventType {
    TASK_READY("task.ready", Topics.TASKS_READY, TaskReady.class, 1),
    TASK_LEASED("task.leased", Topics.TASKS_LEASED, TaskLeased.class, 1),
    WORKER_HEARTBEAT("worker.heartbeat", Topics.WORKER_HEARTBEATS, Heartbeat.class, 1),
    TASK_RESULT("task.result", Topics.TASKS_RESULTS, TaskResult.class, 1),
    TASK_STATE_CHANGED("task.state-changed", Topics.TASKS_LIFECYCLE, TaskStateChanged.class, 1),
    REVIEW_OUTCOME("review.outcome", Topics.REVIEW_OUTCOMES, ReviewOutcome.class, 1),
    /** dispatcher -> worker, on the leases topic: stop this attempt now */
    LEASE_REVOKED("lease.revoked", Topics.TASKS_LEASED, LeaseRevoked.class, 1),
    /** worker -> dispatcher, on the heartbeats topic: the node is alive */
    NODE_HEARTBEAT("node.heartbeat", Topics.WORKER_HEARTBEATS, NodeHeartbeat.class, 1),
    TASK_COMMAND("task.command", Topics.TASKS_COMMANDS, TaskCommand.class, 1),
    TASK_PROPOSED("task.proposed", Topics.TASKS_PROPOSALS, TaskProposal.class, 1),
    DECISION_RECORDED("decision.recorded", Topics.DECISIONS, DecisionRecorded.class, 1),
    BUDGET_ALERT("budget.alert", Topics.BUDGET_ALERTS, BudgetAlert.class, 1),
    REVIEW_BACKLOG("review.backlog", Topics.REVIEW_BACKLOG, ReviewBacklog.class, 1),
    BREAKER_CHANGED("breaker.changed", Topics.FLEET_EVENTS, BreakerChanged.class, 1);

    private final String wireName;
    private final String topic;
    private final Class<?> payloadType;
    private final int schemaVersion;

    EventType(String wireName, String topic, Class<?> payloadType, int schemaVersion) {
        this.wireName = wireName;
        this.topic = topic;
        this.payloadType = payloadType;
        this.schemaVersion = schemaVersion;
    }

    public String wireName() {
        return wireName;
    }

    public String topic() {
        return topic;
    }

    public Class<?> payloadType() {
        return payloadType;
    }

    public int schemaVersion() {
        return schemaVersion;
    }

    public static EventType fromWireName(String name) {
        for (EventType t : values()) {
            if (t.wireName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown event type '" + name + "'");
    }
}
