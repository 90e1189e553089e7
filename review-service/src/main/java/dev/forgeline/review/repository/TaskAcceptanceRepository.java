package dev.forgeline.review.repository;

import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.review.domain.TaskAcceptance;
import dev.forgeline.review.domain.TaskAttemptKey;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;

@ApplicationScoped
public class TaskAcceptanceRepository implements PanacheRepositoryBase<TaskAcceptance, TaskAttemptKey> {}
