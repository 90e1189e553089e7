package dev.forgeline.review.repository;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.review.domain.AttemptResult;
import dev.forgeline.review.domain.TaskAttemptKey;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;

@ApplicationScoped
public class AttemptResultRepository implements PanacheRepositoryBase<AttemptResult, TaskAttemptKey> {
    public List<AttemptResult> forTask(String specId, String taskId) {
        return list("id.specId = ?1 and id.taskId = ?2", Sort.ascending("id.fencingToken"), specId, taskId);
    }

    /** The reported cost of every attempt summed per task, keyed {@code specId/taskId}; tasks without one left out. */
    public Map<String, BigDecimal> costPerTask(Collection<String> specIds) {
        Map<String, BigDecimal> costs = new HashMap<>();
        if (specIds.isEmpty()) {
            return costs;
        }
        getEntityManager()
                .createQuery(
                        "select a.id.specId, a.id.taskId, sum(a.costUsd) from AttemptResult a"
                                + " where a.id.specId in :specs and a.costUsd is not null"
                                + " group by a.id.specId, a.id.taskId",
                        Object[].class)
                .setParameter("specs", specIds)
                .getResultList()
                .forEach(row -> costs.put(row[0] + "/" + row[1], (BigDecimal) row[2]));
        return costs;
    }
}
