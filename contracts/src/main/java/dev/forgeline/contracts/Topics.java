package dev.forgeline.contracts;

/** Kafka topic names. Every record on them is an {@link Envelope} serialised as JSON. */
public final class Topics {
    /** planner -> dispatcher: a task whose dependencies are met. Key: specId/taskId. */
    public static final String TASKS_READY = "forgeline.tasks.ready";
    /** dispatcher -> workers: a lease granted to a node, with its fencing token, or its revocation. Key: node name. */
    public static final String TASKS_LEASED = "forgeline.tasks.leased";
    /** workers -> dispatcher: liveness and progress of a running attempt, and node heartbeats. Key: node name. */
    public static final String WORKER_HEARTBEATS = "forgeline.worker.heartbeats";
    /** workers -> dispatcher, review, metrics: the outcome of an attempt. Key: specId/taskId. */
    public static final String TASKS_RESULTS = "forgeline.tasks.results";
    /** dispatcher -> planner, metrics: execution state changes it owns. Key: specId/taskId. */
    public static final String TASKS_LIFECYCLE = "forgeline.tasks.lifecycle";
    /** review -> planner, dispatcher, metrics: merge decisions, conflicts, requested changes, reverts. Key: specId/taskId. */
    public static final String REVIEW_OUTCOMES = "forgeline.review.outcomes";

    /** planner -> dispatcher: cancel or supersede a task after a spec revision. Key: specId/taskId. */
    public static final String TASKS_COMMANDS = "forgeline.tasks.commands";
    /** workers, review, dispatcher -> planner: follow-up, fix and split proposals. Key: specId/parentTaskId. */
    public static final String TASKS_PROPOSALS = "forgeline.tasks.proposals";
    /** planner, review -> metrics: decisions people made, with requested and decided times. Key: specId/taskId. */
    public static final String DECISIONS = "forgeline.decisions";
    /** metrics -> dispatcher: budget thresholds crossed. Key: scope/specId. */
    public static final String BUDGET_ALERTS = "forgeline.budget.alerts";
    /** review -> dispatcher, metrics: human review backlog against capacity. Key: "review". */
    public static final String REVIEW_BACKLOG = "forgeline.review.backlog";
    /** dispatcher -> metrics: circuit breaker changes. Key: scope/key. */
    public static final String FLEET_EVENTS = "forgeline.fleet.events";

    /** Every topic, for creating them up front. */
    public static final java.util.List<String> ALL = java.util.List.of(
            TASKS_READY,
            TASKS_LEASED,
            WORKER_HEARTBEATS,
            TASKS_RESULTS,
            TASKS_LIFECYCLE,
            REVIEW_OUTCOMES,
            TASKS_COMMANDS,
            TASKS_PROPOSALS,
            DECISIONS,
            BUDGET_ALERTS,
            REVIEW_BACKLOG,
            FLEET_EVENTS);

    /**
     * Where a service's consumers put a record they cannot apply (not an envelope, or its handler failed every
     * retry), one topic per service; the record keeps its key and value, and headers name the topic it came from
     * and why. Never read by a service: an operator inspects and replays them.
     */
    public static final String DEAD_LETTER_PLANNER = "forgeline.dead-letter.planner";

    public static final String DEAD_LETTER_DISPATCHER = "forgeline.dead-letter.dispatcher";
    public static final String DEAD_LETTER_REVIEW = "forgeline.dead-letter.review";
    public static final String DEAD_LETTER_METRICS = "forgeline.dead-letter.metrics";

    /** Every dead-letter topic, for creating them up front (a principal that may not create topics cannot). */
    public static final java.util.List<String> DEAD_LETTERS =
            java.util.List.of(DEAD_LETTER_PLANNER, DEAD_LETTER_DISPATCHER, DEAD_LETTER_REVIEW, DEAD_LETTER_METRICS);

    private Topics() {}

    /**
     * A record key: {@code specId/taskId} for task events (so that one task's events stay in order on one
     * partition), {@code scope/key} for budget and breaker events.
     */
    public static String key(String first, String second) {
        return first + "/" + second;
    }
}
