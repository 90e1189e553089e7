package dev.forgeline.dispatcher.task;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.BreakerState;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.dispatcher.breaker.BreakerService;
import dev.forgeline.dispatcher.dispatch.PlacementCheck;
import dev.forgeline.dispatcher.domain.Counter;
import dev.forgeline.dispatcher.domain.Task;
import dev.forgeline.dispatcher.domain.TaskKey;
import dev.forgeline.dispatcher.gate.GateService;
import dev.forgeline.dispatcher.mapping.StringMapJson;
import dev.forgeline.dispatcher.mapping.TaskMapper;
import dev.forgeline.dispatcher.model.DispatchStatus;
import dev.forgeline.dispatcher.model.DispatcherStats;
import dev.forgeline.dispatcher.model.TaskView;
import dev.forgeline.dispatcher.model.WaitingReason;
import dev.forgeline.dispatcher.repository.AttemptRepository;
import dev.forgeline.dispatcher.repository.BreakerRepository;
import dev.forgeline.dispatcher.repository.BreakerRepository.BreakerRow;
import dev.forgeline.dispatcher.repository.CounterRepository;
import dev.forgeline.dispatcher.repository.GateRepository;
import dev.forgeline.dispatcher.repository.GateRepository.Gate;
import dev.forgeline.dispatcher.repository.LeaseRepository;
import dev.forgeline.dispatcher.repository.NodeRepository;
import dev.forgeline.dispatcher.repository.NodeRepository.Offering;
import dev.forgeline.dispatcher.repository.TaskRepository;
import dev.forgeline.support.auth.Callers;
import dev.forgeline.support.problem.Problem.ProblemError;
import dev.forgeline.support.problem.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;

/** Read side: tasks with their attempt history, and the dispatcher's counters. */
@ApplicationScoped
public class TaskQueryService {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    static final String INVALID_QUERY = "urn:forgeline:problem:invalid-task-query";

    private final TaskRepository tasks;
    private final LeaseRepository leases;
    private final CounterRepository counters;
    private final AttemptRepository attempts;
    private final GateService gates;
    private final BreakerRepository breakers;
    private final NodeRepository nodes;

    public TaskQueryService(
            TaskRepository tasks,
            LeaseRepository leases,
            CounterRepository counters,
            AttemptRepository attempts,
            GateService gates,
            BreakerRepository breakers,
            NodeRepository nodes) {
        this.nodes = nodes;
        this.tasks = tasks;
        this.leases = leases;
        this.counters = counters;
        this.attempts = attempts;
        this.gates = gates;
        this.breakers = breakers;
    }

    /**
     * Tasks, oldest ready first.
     *
     * @param state  a TaskState name, or null for all
     * @param specId a spec id, or null for all
     * @param limit  at most this many (default 100, at most 1000)
     */
    @Transactional
    public List<TaskView> list(String state, String specId, Integer limit, SecurityIdentity caller) {
        TaskState taskState = parseState(state);
        int max = limit == null ? DEFAULT_LIMIT : limit;
        if (max < 1 || max > MAX_LIMIT) {
            throw ProblemException.badRequest(
                    INVALID_QUERY,
                    "Invalid task query",
                    "limit is out of range",
                    List.of(new ProblemError("limit must be between 1 and " + MAX_LIMIT, null, "limit")));
        }
        Holds holds = holds();
        return tasks.list(taskState, specId, Callers.visibleProjects(caller), max).stream()
                .map(t -> TaskMapper.toView(t, List.of(), List.of(), holds.reasonsFor(t)))
                .toList();
    }

    /** One task with every lease it had; 404 like an unknown task when it is of a project the caller does not see. */
    @Transactional
    public TaskView get(String specId, String taskId, SecurityIdentity caller) {
        requireVisible(specId, taskId, caller);
        Task task = tasks.findById(new TaskKey(specId, taskId));
        return TaskMapper.toView(
                task, leases.history(specId, taskId), attempts.history(specId, taskId), holds().reasonsFor(task));
    }

    /** The task, when the caller sees its project; 404 exactly like an unknown task otherwise. */
    @Transactional
    public void requireVisible(String specId, String taskId, SecurityIdentity caller) {
        String project = tasks.projectOf(specId, taskId).orElseThrow(() -> taskNotFound(specId, taskId));
        Callers.requireProject(caller, project, () -> taskNotFound(specId, taskId));
    }

    private static ProblemException taskNotFound(String specId, String taskId) {
        return ProblemException.notFound("task " + specId + "/" + taskId + " is unknown to the dispatcher");
    }

    @Transactional
    public DispatcherStats stats() {
        Map<Counter, Long> values = counters.readAll();
        DispatchStatus status = gates.status();
        return new DispatcherStats(
                values.get(Counter.LEASES_GRANTED),
                values.get(Counter.STALE_HEARTBEATS),
                values.get(Counter.STALE_RESULTS),
                values.get(Counter.ORPHANED),
                values.get(Counter.TIMED_OUT),
                values.get(Counter.STALE_ACKS),
                values.get(Counter.RETRIES),
                values.get(Counter.PERMANENT_FAILURES),
                values.get(Counter.CANCELLED),
                values.get(Counter.SWEPT),
                values.get(Counter.NODES_DEAD),
                values.get(Counter.REFUSED_NODE_HEARTBEATS),
                status.paused(),
                status.reasons());
    }

    /** What holds READY tasks back right now: gates, breakers and the nodes that are not DEAD. */
    record Holds(List<Gate> gates, List<BreakerRow> breakers, List<Offering> nodes) {
        List<WaitingReason> reasonsFor(Task task) {
            if (task.state != TaskState.READY) {
                return List.of();
            }
            List<WaitingReason> reasons = new ArrayList<>();
            for (Gate gate : gates) {
                if (GateRepository.REVIEW_BACKLOG.equals(gate.name())) {
                    if (task.needsHumanReview) {
                        reasons.add(new WaitingReason(WaitingReason.REVIEW_HOLD, gate.name(), gate.reason()));
                    }
                } else if (gate.name().startsWith(GateRepository.BUDGET_SPEC)
                        || GateRepository.BUDGET_DAY.equals(gate.name())) {
                    if (gate.global() || task.specId.equals(gate.specId())) {
                        reasons.add(new WaitingReason(WaitingReason.BUDGET_HOLD, gate.name(), gate.reason()));
                    }
                } else if (gate.global()) {
                    reasons.add(new WaitingReason(WaitingReason.PAUSED, gate.name(), gate.reason()));
                }
            }
            String profile = task.leaseProfile != null ? task.leaseProfile : task.agentProfile;
            String profileKey = profile != null ? profile : "default";
            Set<String> blockedNodes = new HashSet<>();
            for (BreakerRow breaker : breakers) {
                if (breaker.state() == BreakerState.CLOSED) {
                    continue;
                }
                if (BreakerService.NODE.equals(breaker.scope())) {
                    // open, or half-open with at most one probe: either way it holds the node's work
                    blockedNodes.add(breaker.key());
                } else if (BreakerService.GLOBAL.equals(breaker.scope())
                        || (BreakerService.PROFILE.equals(breaker.scope())
                                && breaker.key().equals(profileKey))) {
                    reasons.add(breakerReason(breaker));
                }
            }
            if (task.notBefore != null && task.notBefore.isAfter(Instant.now())) {
                reasons.add(new WaitingReason(
                        WaitingReason.BACKOFF, task.notBefore.toString(), "retry backoff until " + task.notBefore));
            }
            WaitingReason placement = placement(task, profile, blockedNodes);
            // "queued" only when nothing else holds the task: a held task is not next in line
            if (!WaitingReason.QUEUED.equals(placement.code()) || reasons.isEmpty()) {
                reasons.add(placement);
            }
            return reasons;
        }

        /** Whether and where the task can be placed: no matching node, breakers, full nodes, or queued. */
        private WaitingReason placement(Task task, String profile, Set<String> blockedNodes) {
            Map<String, String> requires = StringMapJson.read(task.requiresJson);
            List<Offering> ready =
                    nodes.stream().filter(n -> "READY".equals(n.status())).toList();
            List<String> unmet = PlacementCheck.unmet(requires, profile, ready);
            if (!unmet.isEmpty()) {
                List<String> elsewhere = nodes.stream()
                        .filter(n -> !"READY".equals(n.status()) && PlacementCheck.offers(n, requires, profile))
                        .map(n -> n.name() + " is " + n.status())
                        .toList();
                String message = "no READY node offers " + String.join(", ", unmet)
                        + (elsewhere.isEmpty() ? "" : " (" + String.join(", ", elsewhere) + ")")
                        + (task.waitingReason != null ? "; " + task.waitingReason : "");
                return new WaitingReason(WaitingReason.NO_MATCHING_NODE, String.join(", ", unmet), message);
            }
            List<Offering> matching = ready.stream()
                    .filter(n -> PlacementCheck.offers(n, requires, profile))
                    .toList();
            List<Offering> open = matching.stream()
                    .filter(n -> !blockedNodes.contains(n.name()))
                    .toList();
            if (open.isEmpty()) {
                String held = String.join(
                        ", ", matching.stream().map(n -> "NODE/" + n.name()).toList());
                return new WaitingReason(
                        WaitingReason.BREAKER_OPEN,
                        held,
                        "every matching node's breaker is open: "
                                + String.join(
                                        "; ",
                                        breakers.stream()
                                                .filter(b -> BreakerService.NODE.equals(b.scope())
                                                        && blockedNodes.contains(b.key())
                                                        && matching.stream()
                                                                .anyMatch(n ->
                                                                        n.name().equals(b.key())))
                                                .map(b -> breakerReason(b).message())
                                                .toList()));
            }
            if (open.stream().allMatch(n -> n.freeSlots() == 0)) {
                String full =
                        String.join(", ", open.stream().map(Offering::name).toList());
                return new WaitingReason(WaitingReason.NODES_FULL, full, "every matching node is full: " + full);
            }
            return new WaitingReason(
                    WaitingReason.QUEUED,
                    null,
                    "a matching node has a free slot: the next dispatch round takes the task in its turn");
        }

        private static WaitingReason breakerReason(BreakerRow breaker) {
            return new WaitingReason(
                    WaitingReason.BREAKER_OPEN,
                    breaker.scope() + "/" + breaker.key(),
                    breaker.scope().toLowerCase() + " breaker " + breaker.key() + " is " + breaker.state() + ": "
                            + breaker.reason());
        }
    }

    private Holds holds() {
        return new Holds(gates.active(), breakers.all(), nodes.offering());
    }

    private static TaskState parseState(String state) {
        if (state == null || state.isBlank()) {
            return null;
        }
        try {
            return TaskState.valueOf(state.trim().toUpperCase());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(
                    INVALID_QUERY,
                    "Invalid task query",
                    "unknown state '" + state + "'",
                    List.of(new ProblemError(
                            "state must be one of " + Arrays.toString(TaskState.values()), null, "state")));
        }
    }
}
