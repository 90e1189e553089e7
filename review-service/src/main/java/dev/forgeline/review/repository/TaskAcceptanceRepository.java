package dev.forgeline.review.repository;

import dev.forgeline.review.domain.TaskAcceptance;
import dev.forgeline.review.domain.TaskAttemptKey;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

@ApplicationScoped
public class TaskAcceptanceRepository implements PanacheRepositoryBase<TaskAcceptance, TaskAttemptKey> {
}
