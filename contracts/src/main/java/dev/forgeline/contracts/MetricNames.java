package dev.forgeline.contracts;

import java.util.List;

/**
 * The OpenTelemetry instruments Forgeline services emit: stable names, units and attributes. Services create their
 * instruments from these constants; dashboards and docs/metrics.md refer to the same names, and a test checks
 * that every series a dashboard queries is one of them and is really emitted.
 *
 * <p>Names follow OpenTelemetry conventions (dotted, unit not in the name). Exported to Prometheus, dots become
 * underscores, the unit is appended ({@code s} -> {@code _seconds}, {@code USD} -> {@code _USD}, units in braces
 * are dropped) and counters get {@code _total}.
 */
public final class MetricNames {
    public enum Kind {
        COUNTER,
        UP_DOWN_COUNTER,
        GAUGE,
        HISTOGRAM
    }

    /** One instrument: its name, kind, unit and the attributes it is recorded with. */
    public record Instrument(
            String service, String name, Kind kind, String unit, List<String> attributes, String description) {
        public Instrument {
            attributes = List.copyOf(attributes);
        }
    }

    // planner
    public static final String PLANNER_SPECS = "forgeline.planner.specs";
    public static final String PLANNER_TASKS = "forgeline.planner.tasks";
    public static final String PLANNER_DECISIONS_PENDING = "forgeline.planner.decisions.pending";
    public static final String PLANNER_DECISION_LAG = "forgeline.planner.decision.lag";
    public static final String PLANNER_LLM_TOKENS = "forgeline.planner.llm.tokens";
    public static final String PLANNER_LLM_COST = "forgeline.planner.llm.cost";
    public static final String PLANNER_PROPOSALS = "forgeline.planner.proposals";
    // dispatcher
    public static final String DISPATCHER_QUEUE_DEPTH = "forgeline.dispatcher.queue.depth";
    public static final String DISPATCHER_LEASES = "forgeline.dispatcher.leases";
    public static final String DISPATCHER_HEARTBEATS = "forgeline.dispatcher.heartbeats";
    public static final String DISPATCHER_STALE_EVENTS = "forgeline.dispatcher.stale.events";
    public static final String DISPATCHER_TIMEOUTS = "forgeline.dispatcher.timeouts";
    public static final String DISPATCHER_RETRIES = "forgeline.dispatcher.retries";
    public static final String DISPATCHER_FAILURES = "forgeline.dispatcher.failures";
    public static final String DISPATCHER_BREAKER_STATE = "forgeline.dispatcher.breaker.state";
    public static final String DISPATCHER_NODES = "forgeline.dispatcher.nodes";
    public static final String DISPATCHER_SLOTS_FREE = "forgeline.dispatcher.slots.free";
    public static final String DISPATCHER_SCHEDULE_TO_START = "forgeline.dispatcher.schedule_to_start";
    // worker
    public static final String WORKER_ATTEMPTS = "forgeline.worker.attempts";
    public static final String WORKER_AGENT_TOKENS = "forgeline.worker.agent.tokens";
    public static final String WORKER_AGENT_COST = "forgeline.worker.agent.cost";
    public static final String WORKER_COMPUTE_TIME = "forgeline.worker.compute.time";
    public static final String WORKER_RUNNING = "forgeline.worker.running";
    public static final String WORKER_VERIFICATION_FLAGS = "forgeline.worker.verification.flags";
    public static final String WORKER_KILLS = "forgeline.worker.kills";
    // review
    public static final String REVIEW_TRIAGED = "forgeline.review.triaged";
    public static final String REVIEW_MERGES = "forgeline.review.merges";
    public static final String REVIEW_REVERTS = "forgeline.review.reverts";
    public static final String REVIEW_CONFLICTS = "forgeline.review.conflicts";
    public static final String REVIEW_BACKLOG = "forgeline.review.backlog";
    public static final String REVIEW_DECISION_LAG = "forgeline.review.decision.lag";
    // metrics service (derived figures)
    public static final String METRICS_COST_SPEC = "forgeline.cost.spec";
    public static final String METRICS_BUDGET_USED = "forgeline.budget.used";
    public static final String METRICS_RETENTION = "forgeline.retention.ratio";
    public static final String METRICS_SUCCESS_RATE = "forgeline.success.rate";

    private static final List<String> NONE = List.of();

    /** Every instrument, for docs and the dashboard check. */
    public static final List<Instrument> ALL = List.of(
            new Instrument("planner", PLANNER_SPECS, Kind.COUNTER, "{spec}", List.of("format"), "specs accepted"),
            new Instrument(
                    "planner",
                    PLANNER_TASKS,
                    Kind.COUNTER,
                    "{task}",
                    List.of("quality_class"),
                    "tasks planned, by spec-quality class"),
            new Instrument(
                    "planner",
                    PLANNER_DECISIONS_PENDING,
                    Kind.GAUGE,
                    "{decision}",
                    List.of("kind"),
                    "decisions waiting for a person"),
            new Instrument(
                    "planner",
                    PLANNER_DECISION_LAG,
                    Kind.HISTOGRAM,
                    "s",
                    List.of("kind"),
                    "requested-to-decided time of planner decisions"),
            new Instrument(
                    "planner",
                    PLANNER_LLM_TOKENS,
                    Kind.COUNTER,
                    "{token}",
                    List.of("provider", "model", "direction"),
                    "tokens the LLM planner used"),
            new Instrument(
                    "planner",
                    PLANNER_LLM_COST,
                    Kind.COUNTER,
                    "USD",
                    List.of("provider", "model"),
                    "cost of the LLM planner"),
            new Instrument(
                    "planner",
                    PLANNER_PROPOSALS,
                    Kind.COUNTER,
                    "{proposal}",
                    List.of("origin", "outcome"),
                    "follow-up proposals accepted or refused"),
            new Instrument(
                    "dispatcher",
                    DISPATCHER_QUEUE_DEPTH,
                    Kind.GAUGE,
                    "{task}",
                    List.of("state"),
                    "tasks by dispatcher state (READY, LEASED, RUNNING, HELD)"),
            new Instrument("dispatcher", DISPATCHER_LEASES, Kind.COUNTER, "{lease}", NONE, "leases granted"),
            new Instrument(
                    "dispatcher",
                    DISPATCHER_HEARTBEATS,
                    Kind.COUNTER,
                    "{heartbeat}",
                    List.of("kind"),
                    "heartbeats received (attempt, node)"),
            new Instrument(
                    "dispatcher",
                    DISPATCHER_STALE_EVENTS,
                    Kind.COUNTER,
                    "{event}",
                    List.of("kind"),
                    "results, heartbeats and acknowledgements rejected for a stale fencing token"),
            new Instrument(
                    "dispatcher",
                    DISPATCHER_TIMEOUTS,
                    Kind.COUNTER,
                    "{timeout}",
                    List.of("kind"),
                    "heartbeat, start_to_close, schedule_to_start, schedule_to_close, sweeper"),
            new Instrument(
                    "dispatcher",
                    DISPATCHER_RETRIES,
                    Kind.COUNTER,
                    "{retry}",
                    List.of("failure_class"),
                    "attempts re-queued, by failure class"),
            new Instrument(
                    "dispatcher",
                    DISPATCHER_FAILURES,
                    Kind.COUNTER,
                    "{attempt}",
                    List.of("failure_class", "permanent"),
                    "failed attempts, by class and whether the task failed for good"),
            new Instrument(
                    "dispatcher",
                    DISPATCHER_BREAKER_STATE,
                    Kind.GAUGE,
                    "1",
                    List.of("scope", "key"),
                    "breaker state: 0 closed, 1 half-open, 2 open"),
            new Instrument(
                    "dispatcher",
                    DISPATCHER_NODES,
                    Kind.GAUGE,
                    "{node}",
                    List.of("status"),
                    "nodes by status (READY, DRAINING, CORDONED, DEAD)"),
            new Instrument("dispatcher", DISPATCHER_SLOTS_FREE, Kind.GAUGE, "{slot}", NONE, "free slots"),
            new Instrument(
                    "dispatcher", DISPATCHER_SCHEDULE_TO_START, Kind.HISTOGRAM, "s", NONE, "ready-to-leased time"),
            new Instrument(
                    "worker",
                    WORKER_ATTEMPTS,
                    Kind.COUNTER,
                    "{attempt}",
                    List.of("outcome", "failure_class", "agent_profile"),
                    "attempts finished"),
            new Instrument(
                    "worker",
                    WORKER_AGENT_TOKENS,
                    Kind.COUNTER,
                    "{token}",
                    List.of("agent_profile", "provider", "model", "direction"),
                    "tokens agents used (input, output, cached)"),
            new Instrument(
                    "worker",
                    WORKER_AGENT_COST,
                    Kind.COUNTER,
                    "USD",
                    List.of("agent_profile", "provider", "model"),
                    "agent cost"),
            new Instrument(
                    "worker",
                    WORKER_COMPUTE_TIME,
                    Kind.COUNTER,
                    "s",
                    List.of("agent_profile"),
                    "agent and test compute time"),
            new Instrument("worker", WORKER_RUNNING, Kind.GAUGE, "{attempt}", NONE, "attempts running"),
            new Instrument(
                    "worker",
                    WORKER_VERIFICATION_FLAGS,
                    Kind.COUNTER,
                    "{flag}",
                    List.of("flag"),
                    "diffs flagged for weakening verification"),
            new Instrument(
                    "worker",
                    WORKER_KILLS,
                    Kind.COUNTER,
                    "{kill}",
                    List.of("reason"),
                    "agent process trees killed (cancel, timeout, lease_lost, self_stop)"),
            new Instrument(
                    "review", REVIEW_TRIAGED, Kind.COUNTER, "{review}", List.of("level"), "results triaged, by level"),
            new Instrument("review", REVIEW_MERGES, Kind.COUNTER, "{merge}", List.of("level", "auto"), "merges"),
            new Instrument(
                    "review",
                    REVIEW_REVERTS,
                    Kind.COUNTER,
                    "{revert}",
                    List.of("trigger"),
                    "reverts (red_main, manual)"),
            new Instrument("review", REVIEW_CONFLICTS, Kind.COUNTER, "{conflict}", NONE, "merge conflicts"),
            new Instrument(
                    "review", REVIEW_BACKLOG, Kind.GAUGE, "{review}", List.of("level"), "reviews waiting for a person"),
            new Instrument(
                    "review",
                    REVIEW_DECISION_LAG,
                    Kind.HISTOGRAM,
                    "s",
                    List.of("kind", "level"),
                    "requested-to-decided time of review decisions"),
            new Instrument("metrics", METRICS_COST_SPEC, Kind.GAUGE, "USD", List.of("spec_id"), "cost per spec"),
            new Instrument(
                    "metrics",
                    METRICS_BUDGET_USED,
                    Kind.GAUGE,
                    "1",
                    List.of("scope", "spec_id"),
                    "share of a budget spent (0-1+)"),
            new Instrument(
                    "metrics",
                    METRICS_RETENTION,
                    Kind.GAUGE,
                    "1",
                    List.of("spec_id"),
                    "surviving / generated lines of task output on main"),
            new Instrument(
                    "metrics",
                    METRICS_SUCCESS_RATE,
                    Kind.GAUGE,
                    "1",
                    List.of("kind"),
                    "first_attempt and with_retries success rate"));

    private MetricNames() {}

    public static Instrument instrument(String name) {
        return ALL.stream()
                .filter(i -> i.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no instrument named " + name));
    }
}
