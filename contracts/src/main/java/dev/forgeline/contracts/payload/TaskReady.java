package dev.forgeline.contracts.payload;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.forgeline.contracts.Projects;
import dev.forgeline.contracts.ProposalOrigin;
import dev.forgeline.contracts.SpecQuality;

/**
 * A task whose dependencies are met, with everything a worker needs to run it.
 *
 * @param repository      the target git repository (a local path or URL)
 * @param baseBranch      the branch task work starts from and merges into
 * @param estimateSeconds the author's estimate; timeouts derive from it
 * @param labels          metadata of the task (story, requirement references, phase, optional); shown, never used
 *                        for placement
 * @param agentProfile    the agent profile to run, or null for the worker's default
 * @param revision        the spec revision this task text belongs to (1, 2, ...); a newer one supersedes
 * @param qualityClass    the spec-quality gate's class for this task, null when not scored
 * @param qualityScore    the gate's score, 0-100
 * @param files           files the task names; tasks naming the same file are never in flight together
 * @param parentTaskId    for a proposed task, the task it came from
 * @param origin          for a proposed task, where the proposal came from; null for tasks of the spec text
 * @param dependencySummaries what each merged dependency did, for the prompt
 * @param requires        placement requirements such as {@code os=macos}: a node runs the task only when it offers
 *                        every one of them
 * @param project         the project of the spec ({@link dev.forgeline.contracts.Projects}); an event without
 *                        one (written before projects existed) reads as {@code default}
 * @param submittedBy     the identity name that wrote the task's current text: whoever submitted the spec revision
 *                        that added or last changed the task (the spec's submitter for tasks agents proposed); null
 *                        when unknown (a spec or an event from before submitters were recorded). Review uses it to
 *                        keep a person from approving a high-risk change they specified.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TaskReady(
        String specId,
        String specName,
        String taskId,
        String title,
        String description,
        List<String> acceptance,
        String testCommand,
        long estimateSeconds,
        List<String> dependsOn,
        String repository,
        String baseBranch,
        int priority,
        Map<String, String> labels,
        String agentProfile,
        int revision,
        SpecQuality qualityClass,
        int qualityScore,
        List<String> files,
        String parentTaskId,
        ProposalOrigin origin,
        List<DependencySummary> dependencySummaries,
        Map<String, String> requires,
        String project,
        String submittedBy) {

    @JsonCreator
    public TaskReady {
        project = Projects.orDefault(project);
        acceptance = acceptance == null ? List.of() : List.copyOf(acceptance);
        dependsOn = dependsOn == null ? List.of() : List.copyOf(dependsOn);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        files = files == null ? List.of() : List.copyOf(files);
        dependencySummaries = dependencySummaries == null ? List.of() : List.copyOf(dependencySummaries);
        requires = requires == null ? Map.of() : Map.copyOf(requires);
    }

    /** A task whose submitter is not known. */
    public TaskReady(
            String specId,
            String specName,
            String taskId,
            String title,
            String description,
            List<String> acceptance,
            String testCommand,
            long estimateSeconds,
            List<String> dependsOn,
            String repository,
            String baseBranch,
            int priority,
            Map<String, String> labels,
            String agentProfile,
            int revision,
            SpecQuality qualityClass,
            int qualityScore,
            List<String> files,
            String parentTaskId,
            ProposalOrigin origin,
            List<DependencySummary> dependencySummaries,
            Map<String, String> requires,
            String project) {
        this(
                specId,
                specName,
                taskId,
                title,
                description,
                acceptance,
                testCommand,
                estimateSeconds,
                dependsOn,
                repository,
                baseBranch,
                priority,
                labels,
                agentProfile,
                revision,
                qualityClass,
                qualityScore,
                files,
                parentTaskId,
                origin,
                dependencySummaries,
                requires,
                project,
                null);
    }

    /** The same task, submitted by {@code submitter}. */
    public TaskReady withSubmittedBy(String submitter) {
        return new TaskReady(
                specId,
                specName,
                taskId,
                title,
                description,
                acceptance,
                testCommand,
                estimateSeconds,
                dependsOn,
                repository,
                baseBranch,
                priority,
                labels,
                agentProfile,
                revision,
                qualityClass,
                qualityScore,
                files,
                parentTaskId,
                origin,
                dependencySummaries,
                requires,
                project,
                submitter);
    }

    /** A task of the default project. */
    public TaskReady(
            String specId,
            String specName,
            String taskId,
            String title,
            String description,
            List<String> acceptance,
            String testCommand,
            long estimateSeconds,
            List<String> dependsOn,
            String repository,
            String baseBranch,
            int priority,
            Map<String, String> labels,
            String agentProfile,
            int revision,
            SpecQuality qualityClass,
            int qualityScore,
            List<String> files,
            String parentTaskId,
            ProposalOrigin origin,
            List<DependencySummary> dependencySummaries,
            Map<String, String> requires) {
        this(
                specId,
                specName,
                taskId,
                title,
                description,
                acceptance,
                testCommand,
                estimateSeconds,
                dependsOn,
                repository,
                baseBranch,
                priority,
                labels,
                agentProfile,
                revision,
                qualityClass,
                qualityScore,
                files,
                parentTaskId,
                origin,
                dependencySummaries,
                requires,
                null);
    }

    /** A task with no placement requirements. */
    public TaskReady(
            String specId,
            String specName,
            String taskId,
            String title,
            String description,
            List<String> acceptance,
            String testCommand,
            long estimateSeconds,
            List<String> dependsOn,
            String repository,
            String baseBranch,
            int priority,
            Map<String, String> labels,
            String agentProfile,
            int revision,
            SpecQuality qualityClass,
            int qualityScore,
            List<String> files,
            String parentTaskId,
            ProposalOrigin origin,
            List<DependencySummary> dependencySummaries) {
        this(
                specId,
                specName,
                taskId,
                title,
                description,
                acceptance,
                testCommand,
                estimateSeconds,
                dependsOn,
                repository,
                baseBranch,
                priority,
                labels,
                agentProfile,
                revision,
                qualityClass,
                qualityScore,
                files,
                parentTaskId,
                origin,
                dependencySummaries,
                Map.of(),
                null);
    }

    /** A first-revision task with no quality score, named files, origin or dependency summaries. */
    public TaskReady(
            String specId,
            String specName,
            String taskId,
            String title,
            String description,
            List<String> acceptance,
            String testCommand,
            long estimateSeconds,
            List<String> dependsOn,
            String repository,
            String baseBranch,
            int priority,
            Map<String, String> labels,
            String agentProfile) {
        this(
                specId,
                specName,
                taskId,
                title,
                description,
                acceptance,
                testCommand,
                estimateSeconds,
                dependsOn,
                repository,
                baseBranch,
                priority,
                labels,
                agentProfile,
                1,
                null,
                0,
                List.of(),
                null,
                null,
                List.of(),
                Map.of(),
                null);
    }
}
