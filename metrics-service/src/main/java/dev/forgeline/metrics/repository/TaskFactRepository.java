package dev.forgeline.metrics.repository;

import dev.forgeline.contracts.TaskState;
import dev.forgeline.metrics.domain.TaskFact;
import dev.forgeline.metrics.domain.TaskFactId;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

@ApplicationScoped
public class TaskFactRepository implements PanacheRepositoryBase<TaskFact, TaskFactId> {

    /**
     * The task's row, created if missing, locked for the rest of the transaction. Four consumers update rows
     * concurrently; the insert-if-absent keeps them from colliding on a new row, the lock from losing updates.
     */
    public TaskFact lockOrCreate(String specId, String taskId) {
        getEntityManager().createNativeQuery(
                "INSERT INTO task_fact (spec_id, task_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING")
                .setParameter(1, specId)
                .setParameter(2, taskId)
                .executeUpdate();
        return findById(new TaskFactId(specId, taskId), LockModeType.PESSIMISTIC_WRITE);
    }

    /** Records that the result of this attempt was counted; false if it already was. */
    public boolean markResultCounted(String specId, String taskId, long fencingToken) {
        return getEntityManager().createNativeQuery(
                "INSERT INTO counted_result (spec_id, task_id, fencing_token) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING")
                .setParameter(1, specId)
                .setParameter(2, taskId)
                .setParameter(3, fencingToken)
                .executeUpdate() == 1;
    }

    public Totals totals(Optional<String> specId) {
        String where = specId.isPresent() ? " where f.id.specId = :specId" : "";
        var query = getEntityManager().createQuery("select count(f), sum(f.attempts), sum(f.computeMillis), "
                + "sum(f.linesAdded), sum(f.linesMerged), sum(f.costUsd), sum(f.inputTokens), sum(f.outputTokens) "
                + "from TaskFact f" + where, Object[].class);
        specId.ifPresent(s -> query.setParameter("specId", s));
        Object[] row = query.getSingleResult();
        return new Totals(number(row[0]), number(row[1]), number(row[2]), number(row[3]), number(row[4]),
                row[5] == null ? BigDecimal.ZERO : (BigDecimal) row[5], number(row[6]), number(row[7]));
    }

    public List<StateCount> countByState(Optional<String> specId) {
        String where = specId.isPresent() ? " where f.id.specId = :specId" : "";
        var query = getEntityManager().createQuery(
                "select f.state, count(f) from TaskFact f" + where + " group by f.state", Object[].class);
        specId.ifPresent(s -> query.setParameter("specId", s));
        return query.getResultList().stream().map(r -> new StateCount((TaskState) r[0], number(r[1]))).toList();
    }

    private static long number(Object value) {
        return value == null ? 0 : ((Number) value).longValue();
    }

    /** Sums over task_fact. */
    public record Totals(long tasks, long attempts, long computeMillis, long linesAdded, long linesMerged,
            BigDecimal costUsd, long inputTokens, long outputTokens) {
    }

    /** @param state null for tasks no state event has reached yet */
    public record StateCount(TaskState state, long count) {
    }
}
