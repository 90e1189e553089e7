package dev.forgeline.contracts;

/** Kafka topic names. Every record on them is an {@link Envelope} serialised as JSON. */
public final class Topics {
    /** planner -> dispatcher: a task whose dependencies are met. Key: specId/taskId. */
    public static final String TASKS_READY = "forgeline.tasks.ready";
    /** dispatcher -> workers: a lease granted to a node, with its fencing token. Key: node name. */
    public static final String TASKS_LEASED = "forgeline.tasks.leased";
    /** workers -> dispatcher: liveness and progress of a running attempt. Key: node name. */
    public static final String WORKER_HEARTBEATS = "forgeline.worker.heartbeats";
    /** workers -> dispatcher, review, metrics: the outcome of an attempt. Key: specId/taskId. */
    public static final String TASKS_RESULTS = "forgeline.tasks.results";
    /** dispatcher -> planner, metrics: execution state changes it owns. Key: specId/taskId. */
    public static final String TASKS_LIFECYCLE = "forgeline.tasks.lifecycle";
    /** review -> planner, metrics: merge decisions. Key: specId/taskId. */
    public static final String REVIEW_OUTCOMES = "forgeline.review.outcomes";

    /** Every topic, for creating them up front. */
    public static final java.util.List<String> ALL = java.util.List.of(TASKS_READY, TASKS_LEASED, WORKER_HEARTBEATS,
            TASKS_RESULTS, TASKS_LIFECYCLE, REVIEW_OUTCOMES);

    private Topics() {
    }
}
