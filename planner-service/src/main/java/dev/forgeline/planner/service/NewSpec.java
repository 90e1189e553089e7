package dev.forgeline.planner.service;

import java.util.List;

import dev.forgeline.planner.quality.QualityReport;
import dev.forgeline.planner.spec.ParsedTask;

/**
 * A spec that passed validation, ready to be stored.
 *
 * @param repository     absolute, normalised path of a git repository that has {@code baseBranch}
 * @param quality        the gate's verdict per task, in the order of {@code tasks}
 * @param idempotencyKey the request's Idempotency-Key, or null
 * @param project        the project the spec goes into (a revision keeps the project of the spec it revises)
 * @param submittedBy    the caller's identity name, or null when not known (a revision keeps the first submitter)
 */
public record NewSpec(
        String name,
        String repository,
        String baseBranch,
        String sourceMarkdown,
        List<ParsedTask> tasks,
        List<QualityReport> quality,
        String format,
        String defaultTestCommand,
        String idempotencyKey,
        String project,
        String submittedBy) {

    public NewSpec {
        tasks = List.copyOf(tasks);
        quality = List.copyOf(quality);
    }
}
