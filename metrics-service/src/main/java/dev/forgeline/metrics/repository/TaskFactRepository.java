package dev.forgeline.metrics.repository;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import dev.forgeline.metrics.domain.TaskFact;
import dev.forgeline.metrics.domain.TaskFactId;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;

@ApplicationScoped
public class TaskFactRepository implements PanacheRepositoryBase<TaskFact, TaskFactId> {

    /**
     * The task's row, created if missing, locked for the rest of the transaction. Four consumers update rows
     * concurrently; the insert-if-absent keeps them from colliding on a new row, the lock from losing updates.
     */
    public TaskFact lockOrCreate(String specId, String taskId) {
        getEntityManager()
                .createNativeQuery("INSERT INTO task_fact (spec_id, task_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING")
                .setParameter(1, specId)
                .setParameter(2, taskId)
                .executeUpdate();
        return findById(new TaskFactId(specId, taskId), LockModeType.PESSIMISTIC_WRITE);
    }

    /** Records that the result of this attempt was counted; false if it already was. */
    public boolean markResultCounted(String specId, String taskId, long fencingToken) {
        return getEntityManager()
                        .createNativeQuery(
                                "INSERT INTO counted_result (spec_id, task_id, fencing_token) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING")
                        .setParameter(1, specId)
                        .setParameter(2, taskId)
                        .setParameter(3, fencingToken)
                        .executeUpdate()
                == 1;
    }
}
