package dev.forgeline.contracts;

import dev.forgeline.contracts.payload.Heartbeat;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TaskStateChanged;

/** Every event type, the topic it travels on, its payload record and current schema version. */
public enum EventType {
    TASK_READY("task.ready", Topics.TASKS_READY, TaskReady.class, 1),
    TASK_LEASED("task.leased", Topics.TASKS_LEASED, TaskLeased.class, 1),
    WORKER_HEARTBEAT("worker.heartbeat", Topics.WORKER_HEARTBEATS, Heartbeat.class, 1),
    TASK_RESULT("task.result", Topics.TASKS_RESULTS, TaskResult.class, 1),
    TASK_STATE_CHANGED("task.state-changed", Topics.TASKS_LIFECYCLE, TaskStateChanged.class, 1),
    REVIEW_OUTCOME("review.outcome", Topics.REVIEW_OUTCOMES, ReviewOutcome.class, 1);

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
