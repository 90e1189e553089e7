package dev.forgeline.dispatcher.service;

import dev.forgeline.contracts.TaskState;
import dev.forgeline.dispatcher.domain.Counter;
import dev.forgeline.dispatcher.domain.Task;
import dev.forgeline.dispatcher.domain.TaskKey;
import dev.forgeline.dispatcher.mapping.TaskMapper;
import dev.forgeline.dispatcher.model.DispatcherStats;
import dev.forgeline.dispatcher.model.TaskView;
import dev.forgeline.dispatcher.repository.CounterRepository;
import dev.forgeline.dispatcher.repository.LeaseRepository;
import dev.forgeline.dispatcher.repository.TaskRepository;
import dev.forgeline.support.problem.Problem.ProblemError;
import dev.forgeline.support.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Read side: tasks with their attempt history, and the dispatcher's counters. */
@ApplicationScoped
public class TaskQueryService {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    static final String INVALID_QUERY = "urn:forgeline:problem:invalid-task-query";

    private final TaskRepository tasks;
    private final LeaseRepository leases;
    private final CounterRepository counters;

    public TaskQueryService(TaskRepository tasks, LeaseRepository leases, CounterRepository counters) {
        this.tasks = tasks;
        this.leases = leases;
        this.counters = counters;
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
            throw ProblemException.badRequest(INVALID_QUERY, "Invalid task query", "limit is out of range",
                    List.of(new ProblemError("limit must be between 1 and " + MAX_LIMIT, null, "limit")));
        }
        return tasks.list(taskState, specId, max).stream().map(t -> TaskMapper.toView(t, List.of())).toList();
    }

    /** One task with every lease it had. */
    @Transactional
    public TaskView get(String specId, String taskId) {
        Task task = tasks.findById(new TaskKey(specId, taskId));
        if (task == null) {
            throw ProblemException.notFound("task " + specId + "/" + taskId + " is unknown to the dispatcher");
        }
        return TaskMapper.toView(task, leases.history(specId, taskId));
    }

    @Transactional
    public DispatcherStats stats() {
        Map<Counter, Long> values = counters.readAll();
        return new DispatcherStats(values.get(Counter.LEASES_GRANTED), values.get(Counter.STALE_HEARTBEATS),
                values.get(Counter.STALE_RESULTS), values.get(Counter.ORPHANED), values.get(Counter.TIMED_OUT));
    }

    private static TaskState parseState(String state) {
        if (state == null || state.isBlank()) {
            return null;
        }
        try {
            return TaskState.valueOf(state.trim().toUpperCase());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(INVALID_QUERY, "Invalid task query", "unknown state '" + state + "'",
                    List.of(new ProblemError("state must be one of " + Arrays.toString(TaskState.values()), null,
                            "state")));
        }
    }
}
