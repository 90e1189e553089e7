package dev.forgeline.planner.spec;

import java.util.List;

/**
 * The result of parsing a spec: what it says plus the faults found while reading it. Graph faults (unknown
 * dependencies, cycles, missing test commands) are found by {@link SpecValidator}.
 *
 * @param repository     the {@code Repository:} header value, or null
 * @param repositoryLine its line, or null
 * @param baseBranch     the {@code Base-branch:} header value, or null
 * @param baseBranchLine its line, or null
 * @param tasks          open tasks with a valid, unique id, in spec order; a file one task names by a shorter
 *                       name than another ({@code user.py}, {@code src/models/user.py}) is the longer path in both
 * @param taskSections   how many task headings or items the spec has (including ones with a bad id, not
 *                       counting done or skipped ones)
 * @param blank          the spec has no text at all
 * @param errors         faults found while parsing, in line order
 * @param format         the format the spec was read as
 * @param skipped        items the author marked done or skipped ({@code [x]}, {@code [~]}); not planned
 * @param project        the {@code Project:} header value (Forgeline format only), or null
 * @param projectLine    its line, or null
 */
public record ParsedSpec(
        String name,
        String repository,
        Integer repositoryLine,
        String baseBranch,
        Integer baseBranchLine,
        String description,
        List<ParsedTask> tasks,
        int taskSections,
        boolean blank,
        List<SpecError> errors,
        SpecFormat format,
        List<SkippedTask> skipped,
        String project,
        Integer projectLine) {

    /** A spec that names no project (formats without header fields). */
    public ParsedSpec(
            String name,
            String repository,
            Integer repositoryLine,
            String baseBranch,
            Integer baseBranchLine,
            String description,
            List<ParsedTask> tasks,
            int taskSections,
            boolean blank,
            List<SpecError> errors,
            SpecFormat format,
            List<SkippedTask> skipped) {
        this(
                name,
                repository,
                repositoryLine,
                baseBranch,
                baseBranchLine,
                description,
                tasks,
                taskSections,
                blank,
                errors,
                format,
                skipped,
                null,
                null);
    }

    public ParsedSpec {
        // one file named by its bare name in one task and by its path in another is one file
        tasks = List.copyOf(FileMentions.matchShortNames(tasks));
        errors = List.copyOf(errors);
        skipped = List.copyOf(skipped);
    }

    /** A task item left out of the plan: {@code reason} is {@code done} or {@code skipped}. */
    public record SkippedTask(String id, int line, String reason) {}
}
