package dev.forgeline.dispatcher.service;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.BreakerState;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.dispatcher.domain.Counter;
import dev.forgeline.dispatcher.domain.Task;
import dev.forgeline.dispatcher.domain.TaskKey;
import dev.forgeline.dispatcher.mapping.TaskMapper;
import dev.forgeline.dispatcher.model.DispatchStatus;
import dev.forgeline.dispatcher.model.DispatcherStats;
import dev.forgeline.dispatcher.model.TaskView;
import dev.forgeline.dispatcher.repository.AttemptRepository;
import dev.forgeline.dispatcher.repository.BreakerRepository;
import dev.forgeline.dispatcher.repository.BreakerRepository.BreakerRow;
import dev.forgeline.dispatcher.repository.CounterRepository;
import dev.forgeline.dispatcher.repository.GateRepository;
import dev.forgeline.dispatcher.repository.GateRepository.Gate;
import dev.forgeline.dispatcher.repository.LeaseRepository;
import dev.forgeline.dispatcher.repository.TaskRepository;
import dev.forgeline.support.problem.Problem.ProblemError;
import dev.forgeline.support.problem.ProblemException;

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

    public TaskQueryService(
            TaskRepository tasks,
            LeaseRepository leases,
            CounterRepository counters,
            AttemptRepository attempts,
            GateService gates,
            BreakerRepository breakers) {
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
    public List<TaskView> list(String state, String specId, Integer limit) {
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
        return tasks.list(taskState, specId, max).stream()
                .map(t -> TaskMapper.toView(t, List.of(), List.of(), holds.reasonFor(t)))
                .toList();
    }

    /** One task with every lease it had. */
    @Transactional
    public TaskView get(String specId, String taskId) {
        Task task = tasks.findById(new TaskKey(specId, taskId));
        if (task == null) {
            throw ProblemException.notFound("task " + specId + "/" + taskId + " is unknown to the dispatcher");
        }
        return TaskMapper.toView(
                task, leases.history(specId, taskId), attempts.history(specId, taskId), holds().reasonFor(task));
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
                status.paused(),
                status.reasons());
    }

    /** What holds READY tasks back right now. */
    record Holds(List<Gate> gates, List<BreakerRow> breakers) {
        String reasonFor(Task task) {
            if (task.state != TaskState.READY) {
                return null;
            }
            List<String> reasons = new ArrayList<>();
            for (Gate gate : gates) {
                if (gate.global()
                        || (gate.specId() != null && gate.specId().equals(task.specId))
                        || (GateRepository.REVIEW_BACKLOG.equals(gate.name()) && task.needsHumanReview)) {
                    reasons.add(gate.reason());
                }
            }
            String profile = task.leaseProfile != null
                    ? task.leaseProfile
                    : task.agentProfile != null ? task.agentProfile : "default";
            for (BreakerRow breaker : breakers) {
                if (breaker.state() == BreakerState.CLOSED) {
                    continue;
                }
                if (BreakerService.GLOBAL.equals(breaker.scope())
                        || (BreakerService.PROFILE.equals(breaker.scope())
                                && breaker.key().equals(profile))) {
                    reasons.add(breaker.scope().toLowerCase() + " breaker " + breaker.key() + " is " + breaker.state()
                            + ": " + breaker.reason());
                }
            }
            if (task.notBefore != null && task.notBefore.isAfter(Instant.now())) {
                reasons.add("retry backoff until " + task.notBefore);
            }
            if (task.waitingReason != null) {
                reasons.add(task.waitingReason);
            }
            return reasons.isEmpty() ? null : String.join("; ", reasons);
        }
    }

    private Holds holds() {
        return new Holds(gates.active(), breakers.all());
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
