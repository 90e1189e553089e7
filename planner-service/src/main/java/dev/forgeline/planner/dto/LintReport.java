package dev.forgeline.planner.dto;

import java.util.List;
import java.util.Map;

import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.planner.quality.QualityReport.Reason;
import dev.forgeline.support.problem.Problem.ProblemError;

/**
 * What {@code POST /specs:lint} answers: the spec's faults (a spec with faults would be refused) and the quality
 * verdict on every task.
 *
 * @param valid   POST /specs would accept the text (apart from the repository, which lint does not check)
 * @param classes number of tasks per quality class
 * @param skipped items marked done or skipped, which are not planned
 */
public record LintReport(
        String name,
        String format,
        boolean valid,
        List<ProblemError> errors,
        Map<String, Long> classes,
        List<TaskReport> tasks,
        List<String> skipped) {

    /** @param outcome DISPATCHABLE, or NEEDS_DECISION for a VAGUE task */
    public record TaskReport(
            String taskId,
            String title,
            int line,
            SpecQuality qualityClass,
            int score,
            List<Reason> reasons,
            List<String> missing,
            List<String> dependsOn,
            List<String> files,
            String outcome) {}
}
