package dev.forgeline.planner.service;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.DecisionKind;
import dev.forgeline.contracts.ProposalOrigin;
import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.contracts.TaskCommandKind;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.TaskProposal;
import dev.forgeline.planner.config.PlannerConfig;
import dev.forgeline.planner.domain.Proposal;
import dev.forgeline.planner.domain.Spec;
import dev.forgeline.planner.domain.Task;
import dev.forgeline.planner.llm.LlmPlanner;
import dev.forgeline.planner.mapping.SpecMapper;
import dev.forgeline.planner.messaging.PlannerEventProducer;
import dev.forgeline.planner.metrics.PlannerMetrics;
import dev.forgeline.planner.quality.QualityGate;
import dev.forgeline.planner.quality.QualityReport;
import dev.forgeline.planner.repository.ProposalRepository;
import dev.forgeline.planner.repository.SpecRepository;
import dev.forgeline.planner.repository.TaskRepository;
import dev.forgeline.planner.spec.FileMentions;
import dev.forgeline.planner.spec.ParsedSpec;
import dev.forgeline.planner.spec.ParsedTask;
import dev.forgeline.planner.spec.SpecParser;
import dev.forgeline.support.problem.ProblemException;
import org.jboss.logging.Logger;

/**
 * The self-replenishing queue: follow-up, review and revert-fix proposals become tasks of the same spec (origin
 * and parent recorded), scored by the same gate, within the spec's limits on task count, depth and the summed
 * estimate of proposed tasks. A task that exhausted every context is split: by the LLM planner when one is
 * configured, otherwise through a SPLIT decision request.
 */
@ApplicationScoped
public class ProposalService {
    private static final Logger LOG = Logger.getLogger(ProposalService.class);

    private final PlannerConfig config;
    private final SpecRepository specs;
    private final TaskRepository tasks;
    private final ProposalRepository proposals;
    private final SpecMapper mapper;
    private final TaskRelease release;
    private final DecisionService decisions;
    private final PlannerEventProducer producer;
    private final LlmPlanner llm;
    private final PlannerMetrics metrics;
    private final SpecParser parser;

    public ProposalService(
            PlannerConfig config,
            SpecRepository specs,
            TaskRepository tasks,
            ProposalRepository proposals,
            SpecMapper mapper,
            TaskRelease release,
            DecisionService decisions,
            PlannerEventProducer producer,
            LlmPlanner llm,
            PlannerMetrics metrics) {
        this.config = config;
        this.specs = specs;
        this.tasks = tasks;
        this.proposals = proposals;
        this.mapper = mapper;
        this.release = release;
        this.decisions = decisions;
        this.producer = producer;
        this.llm = llm;
        this.metrics = metrics;
        this.parser = new SpecParser(config.defaultEstimate());
    }

    /** A proposal from a worker, the review service or the dispatcher; a repeated proposal id changes nothing. */
    @Transactional
    public void onProposal(TaskProposal proposal) {
        if (proposal.proposalId() == null || proposal.specId() == null) {
            LOG.warnf("proposal without id or spec ignored: %s", proposal);
            return;
        }
        Optional<Spec> found = specs.findLocked(proposal.specId());
        if (found.isEmpty()) {
            LOG.warnf("proposal %s for unknown spec %s ignored", proposal.proposalId(), proposal.specId());
            return;
        }
        if (proposals.findByIdOptional(proposal.proposalId()).isPresent()) {
            LOG.debugf("proposal %s already handled", proposal.proposalId());
            return;
        }
        Spec spec = found.get();
        List<Task> all = tasks.listBySpec(spec.id);
        Task parent = proposal.parentTaskId() == null
                ? null
                : all.stream()
                        .filter(t -> t.taskId.equals(proposal.parentTaskId()))
                        .findFirst()
                        .orElse(null);
        if (proposal.parentTaskId() != null && parent == null) {
            refuse(proposal, "unknown parent task " + proposal.parentTaskId());
            return;
        }
        if (proposal.origin() == ProposalOrigin.SPLIT
                && parent != null
                && (proposal.text() == null || !proposal.text().contains("## Task:"))) {
            splitExhausted(spec, parent, proposal.failureContext());
            accept(proposal, parent.taskId + " (split)");
            return;
        }
        String id = nextId(all, parent == null ? "p" : parent.taskId + "-" + suffix(proposal.origin()));
        String title = proposal.title() == null || proposal.title().isBlank()
                ? "Follow-up of " + proposal.parentTaskId()
                : proposal.title().strip();
        ParsedSpec parsed = parser.parse("## Task: " + id + " - " + title + "\n" + nullToEmpty(proposal.text())
                + (proposal.failureContext() == null
                                || proposal.failureContext().isBlank()
                        ? ""
                        : "\n\nWhat failed:\n```\n" + proposal.failureContext() + "\n```\n"));
        if (parsed.tasks().size() != 1 || !parsed.errors().isEmpty()) {
            refuse(
                    proposal,
                    "the proposal text is not one task section: "
                            + parsed.errors().stream().map(e -> e.message()).toList());
            return;
        }
        ParsedTask task = parsed.tasks().get(0);
        List<String> asked = needsApproval(proposal.origin()) ? askedFor(task, parent) : List.of();
        List<String> files = new ArrayList<>(proposal.files());
        FileMentions.addMentioned(files, task.description());
        files.addAll(task.files());
        List<String> dependsOn = new ArrayList<>(task.dependsOn());
        if (parent != null
                && proposal.origin() != ProposalOrigin.REVERT_FIX
                && dependsOn.isEmpty()
                && parent.state != TaskState.CANCELLED) {
            dependsOn.add(parent.taskId); // a follow-up builds on its parent's merged work
        }
        task = new ParsedTask(
                task.id(),
                task.title(),
                task.description(),
                task.acceptance(),
                task.testCommand() != null ? task.testCommand() : parent != null ? parent.testCommand : null,
                task.estimateSeconds(),
                dependsOn,
                null,
                task.priority(),
                task.labels(),
                task.agentProfile(),
                task.line(),
                task.inputs(),
                task.outputs(),
                task.constraints(),
                files,
                task.acceptanceGiven(),
                task.requires(),
                task.fileReasons());
        String refusal = limits(all, parent, List.of(task));
        if (refusal == null && task.testCommand() == null) {
            refusal = "the proposal names no test command and has no parent to take one from";
        }
        if (refusal == null) {
            refusal = unknownDependency(all, task);
        }
        if (refusal != null) {
            refuse(proposal, refusal);
            return;
        }
        Task created = add(spec, all, task, proposal.origin(), parent, asked.isEmpty());
        if (!asked.isEmpty()) {
            decisions.requestApproval(created, parent, asked);
        }
        accept(proposal, created.taskId);
        release.release(spec, tasks.listBySpec(spec.id));
    }

    /**
     * A task failed for good with CONTEXT_EXHAUSTED: the LLM planner splits it into parts that replace it (its
     * dependents then wait for every part), or, without an LLM, a person is asked to (SPLIT decision).
     */
    public void splitExhausted(Spec spec, Task task, String failureContext) {
        if (!llm.configured()) {
            decisions.request(
                    task,
                    DecisionKind.SPLIT,
                    "task " + task.taskId + " is too large for any agent "
                            + "context: split it (amend with several '## Task:' sections) or override to retry it as it is",
                    List.of("a split into smaller tasks"));
            return;
        }
        ParsedSpec split;
        try {
            split = llm.split(
                    "## Task: " + task.taskId + " - " + task.title + "\n" + task.description + "\nAcceptance:\n- "
                            + String.join("\n- ", task.acceptance),
                    failureContext);
        } catch (ProblemException e) {
            LOG.warnf("LLM split of %s/%s failed (%s): asking a person", spec.id, task.taskId, e.getMessage());
            decisions.request(
                    task,
                    DecisionKind.SPLIT,
                    "the LLM planner could not split task " + task.taskId + ": split it by hand",
                    List.of("a split into smaller tasks"));
            return;
        }
        replaceBySplit(spec, task, split.tasks());
    }

    /** Replaces {@code task} by {@code parts} (origin SPLIT); its dependents wait for every part. */
    public List<Task> replaceBySplit(Spec spec, Task task, List<ParsedTask> parts) {
        List<Task> all = tasks.listBySpec(spec.id);
        Map<String, String> ids = new HashMap<>();
        int n = 1;
        for (ParsedTask part : parts) {
            String id = task.taskId + "-s" + n;
            while (taken(all, id)) {
                id = task.taskId + "-s" + ++n;
            }
            n++;
            ids.put(part.id(), id);
        }
        List<Task> created = new ArrayList<>();
        for (ParsedTask part : parts) {
            List<String> deps = new ArrayList<>();
            for (String d : part.dependsOn()) {
                deps.add(ids.getOrDefault(d, d));
            }
            final List<Task> known = all;
            deps.removeIf(d -> !ids.containsValue(d) && known.stream().noneMatch(t -> t.taskId.equals(d)));
            deps.addAll(task.dependsOn.stream().filter(d -> !deps.contains(d)).toList());
            ParsedTask renamed = new ParsedTask(
                    ids.get(part.id()),
                    part.title(),
                    part.description(),
                    part.acceptance(),
                    part.testCommand() != null ? part.testCommand() : task.testCommand,
                    part.estimateSeconds(),
                    deps,
                    null,
                    part.priority(),
                    part.labels(),
                    part.agentProfile(),
                    part.line(),
                    part.inputs(),
                    part.outputs(),
                    part.constraints(),
                    part.files(),
                    part.acceptanceGiven(),
                    part.requires(),
                    part.fileReasons());
            created.add(add(spec, all, renamed, ProposalOrigin.SPLIT, task, true));
            all = tasks.listBySpec(spec.id);
        }
        List<String> partIds = created.stream().map(t -> t.taskId).toList();
        for (Task other : all) {
            if (other.dependsOn.contains(task.taskId) && !partIds.contains(other.taskId)) {
                List<String> deps = new ArrayList<>(other.dependsOn);
                deps.remove(task.taskId);
                deps.addAll(partIds);
                other.dependsOn = deps;
            }
        }
        if (!task.state.isFinal()) {
            producer.command(spec, task, TaskCommandKind.CANCEL, "split into " + partIds);
            task.state = TaskState.CANCELLED;
            task.updatedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        }
        LOG.infof("%s/%s split into %s", spec.id, task.taskId, partIds);
        release.release(spec, tasks.listBySpec(spec.id));
        return created;
    }

    /**
     * Whether a proposal of this origin must have a person approve what it sets: an agent's follow-up (a missing
     * origin counts as one) is written by the code under test, so its test command, agent profile, labels and
     * requirements could run anything anywhere. Reviewers are people; revert fixes and splits come from the services.
     */
    private boolean needsApproval(ProposalOrigin origin) {
        return config.proposals().requireApproval() && (origin == null || origin == ProposalOrigin.AGENT);
    }

    /**
     * What the proposal sets that changes what runs or where, one line each ("test command: ..."), or nothing. A
     * test command equal to the parent's changes nothing.
     */
    static List<String> askedFor(ParsedTask proposed, Task parent) {
        List<String> asked = new ArrayList<>();
        if (proposed.testCommand() != null
                && (parent == null || !proposed.testCommand().equals(parent.testCommand))) {
            asked.add(DecisionService.ASKED_TEST_COMMAND + proposed.testCommand());
        }
        if (proposed.agentProfile() != null) {
            asked.add(DecisionService.ASKED_AGENT_PROFILE + proposed.agentProfile());
        }
        if (!proposed.labels().isEmpty()) {
            asked.add(DecisionService.ASKED_LABELS + pairs(proposed.labels()));
        }
        if (!proposed.requires().isEmpty()) {
            asked.add(DecisionService.ASKED_REQUIRES + pairs(proposed.requires()));
        }
        return asked;
    }

    private static String pairs(Map<String, String> values) {
        return String.join(
                ", ",
                values.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .toList());
    }

    /**
     * @param gateQuality whether a VAGUE task asks for a quality decision now; a task waiting for approval asks
     *     once it is approved, so that only one decision is open for it
     */
    private Task add(
            Spec spec, List<Task> all, ParsedTask parsed, ProposalOrigin origin, Task parent, boolean gateQuality) {
        QualityReport quality = QualityGate.score(parsed);
        Task task = mapper.toTask(
                spec.id,
                all.stream().mapToInt(t -> t.position).max().orElse(-1) + 1,
                parsed,
                quality,
                spec.revision,
                Instant.now().truncatedTo(ChronoUnit.MICROS));
        task.origin = origin;
        task.parentTaskId = parent == null ? null : parent.taskId;
        task.depth = parent == null ? 1 : parent.depth + 1;
        tasks.persist(task);
        tasks.flush();
        metrics.taskPlanned(quality.qualityClass());
        if (gateQuality && quality.qualityClass() == SpecQuality.VAGUE) {
            decisions.requestQuality(task, quality);
        }
        LOG.infof(
                "%s/%s: proposed task (%s, parent %s, %s)",
                spec.id, task.taskId, origin, task.parentTaskId, quality.qualityClass());
        return task;
    }

    /** Why the spec cannot take these tasks, or null. */
    private String limits(List<Task> all, Task parent, List<ParsedTask> added) {
        PlannerConfig.Proposals limits = config.proposals();
        if (all.size() + added.size() > limits.maxTasksPerSpec()) {
            return "the spec has " + all.size() + " tasks; the limit is " + limits.maxTasksPerSpec();
        }
        int depth = parent == null ? 1 : parent.depth + 1;
        if (depth > limits.maxDepth()) {
            return "depth " + depth + " is over the limit of " + limits.maxDepth();
        }
        long proposed = all.stream()
                        .filter(t -> t.origin != null)
                        .mapToLong(t -> t.estimateSeconds)
                        .sum()
                + added.stream().mapToLong(ParsedTask::estimateSeconds).sum();
        if (proposed > limits.maxProposedEstimate().toSeconds()) {
            return "proposed tasks would take " + proposed / 60 + "m in all; the budget is "
                    + limits.maxProposedEstimate().toMinutes() + "m";
        }
        return null;
    }

    private static String unknownDependency(List<Task> all, ParsedTask task) {
        for (String d : task.dependsOn()) {
            if (all.stream().noneMatch(t -> t.taskId.equals(d))) {
                return "depends on unknown task '" + d + "'";
            }
        }
        return null;
    }

    private void refuse(TaskProposal proposal, String reason) {
        record(proposal, null, "REFUSED", reason);
        LOG.warnf(
                "proposal %s (%s, parent %s) refused: %s",
                proposal.proposalId(), proposal.origin(), proposal.parentTaskId(), reason);
    }

    private void accept(TaskProposal proposal, String taskId) {
        record(proposal, taskId, "ACCEPTED", null);
    }

    private void record(TaskProposal proposal, String taskId, String outcome, String reason) {
        Proposal p = new Proposal();
        p.proposalId = proposal.proposalId();
        p.specId = proposal.specId();
        p.taskId = taskId;
        p.outcome = outcome;
        p.reason = reason;
        p.receivedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        proposals.persist(p);
        metrics.proposal(proposal.origin(), outcome.toLowerCase(java.util.Locale.ROOT));
    }

    private static String suffix(ProposalOrigin origin) {
        if (origin == null) {
            return "f";
        }
        return switch (origin) {
            case AGENT -> "f";
            case REVIEW -> "r";
            case REVERT_FIX -> "fix";
            case SPLIT -> "s";
        };
    }

    private static boolean taken(List<Task> all, String id) {
        return all.stream().anyMatch(t -> t.taskId.equals(id));
    }

    private static String nextId(List<Task> all, String prefix) {
        int n = 1;
        while (true) {
            String candidate = prefix + n;
            if (all.stream().noneMatch(t -> t.taskId.equals(candidate))) {
                return candidate;
            }
            n++;
        }
    }

    private static String nullToEmpty(String text) {
        return text == null ? "" : text;
    }

    /** For tests and the decisions flow: the task ids a proposal became. */
    @Transactional
    public Optional<String> taskOf(UUID proposalId) {
        return proposals.findByIdOptional(proposalId).map(p -> p.taskId);
    }
}
