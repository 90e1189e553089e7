package dev.forgeline.review.repository;

import java.util.List;
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
}
