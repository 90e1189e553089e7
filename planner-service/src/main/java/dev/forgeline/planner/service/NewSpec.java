package dev.forgeline.planner.service;

import dev.forgeline.planner.spec.ParsedTask;
import java.util.List;

/**
 * A spec that passed validation, ready to be stored.
 *
 * @param repository absolute, normalised path of a git repository that has {@code baseBranch}
 */
public record NewSpec(String name, String repository, String baseBranch, String sourceMarkdown,
        List<ParsedTask> tasks) {

    public NewSpec {
        tasks = List.copyOf(tasks);
    }
}
