package dev.forgeline.planner.dto;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A spec with its tasks in spec order.
 *
 * @param counts   number of tasks per state; states no task is in are left out
 * @param revision 1 for the first submission, one more for each re-submission under the same name
 * @param format   forgeline, speckit, kiro or freeform
 * @param groups   Kiro parent items: not tasks, done when their children (label {@code parent}) are
 * @param project  the project the spec belongs to
 * @param submittedBy who submitted the spec (revisions keep the first submitter; each task carries its own writer); null when unknown
 */
public record SpecView(
        String id,
        String name,
        String repository,
        String baseBranch,
        Instant createdAt,
        Map<String, Long> counts,
        List<TaskView> tasks,
        int revision,
        String format,
        List<GroupView> groups,
        String project,
        String submittedBy) {}
