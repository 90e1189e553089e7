package dev.forgeline.planner.repository;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.TaskState;
import dev.forgeline.planner.domain.Task;
import dev.forgeline.planner.domain.TaskKey;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;

@ApplicationScoped
public class TaskRepository implements PanacheRepositoryBase<Task, TaskKey> {

    /** The spec's tasks in spec order. */
    public List<Task> listBySpec(String specId) {
        return list("specId", Sort.ascending("position"), specId);
    }

    public Optional<Task> findTask(String specId, String taskId) {
        return findByIdOptional(new TaskKey(specId, taskId));
    }

    public List<Task> listBySpecAndState(String specId, TaskState state) {
        return list("specId = ?1 and state = ?2", Sort.ascending("position"), specId, state);
    }

    /** Number of tasks per state, per spec id. */
    public Map<String, Map<TaskState, Long>> countStatesBySpec() {
        Map<String, Map<TaskState, Long>> counts = new HashMap<>();
        getEntityManager()
                .createQuery(
                        "select t.specId, t.state, count(t) from Task t group by t.specId, t.state", Object[].class)
                .getResultList()
                .forEach(row -> counts.computeIfAbsent((String) row[0], id -> new EnumMap<>(TaskState.class))
                        .put((TaskState) row[1], (Long) row[2]));
        return counts;
    }
}
