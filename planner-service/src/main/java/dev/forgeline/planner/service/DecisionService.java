package dev.forgeline.planner.service;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.DecisionKind;
import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.planner.domain.Decision;
import dev.forgeline.planner.domain.Spec;
import dev.forgeline.planner.domain.Task;
import dev.forgeline.planner.dto.DecisionAnswer;
import dev.forgeline.planner.dto.DecisionView;
import dev.forgeline.planner.mapping.SpecMapper;
import dev.forgeline.planner.messaging.PlannerEventProducer;
import dev.forgeline.planner.metrics.PlannerMetrics;
import dev.forgeline.planner.quality.QualityGate;
import dev.forgeline.planner.quality.QualityReport;
import dev.forgeline.planner.repository.DecisionRepository;
import dev.forgeline.planner.repository.SpecRepository;
import dev.forgeline.planner.repository.TaskRepository;
import dev.forgeline.planner.spec.ParsedSpec;
import dev.forgeline.planner.spec.ParsedTask;
import dev.forgeline.planner.spec.SpecError;
import dev.forgeline.planner.spec.SpecParser;
import dev.forgeline.support.auth.Callers;
import dev.forgeline.support.problem.Problem.ProblemError;
import dev.forgeline.support.problem.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;
import org.jboss.logging.Logger;

/**
 * Decisions the planner asks people for: a VAGUE task before dispatch (SPEC_QUALITY), a task an agent found
 * ambiguous (AMBIGUOUS_SPEC), a task too large for any context (SPLIT), a failed task others wait for
 * (BLOCKED_BY_FAILURE), an agent's follow-up asking for its own test command, profile or labels (PROPOSAL_APPROVAL).
 * The task waits in NEEDS_DECISION until a person answers: amends its text (re-scored; released when no longer
 * VAGUE) or overrides the gate with a reason; retries, skips or cancels a blocker; approves, strips or drops a
 * follow-up. Every decision records when it was requested and decided, and is announced as DECISION_RECORDED.
 */
@ApplicationScoped
public class DecisionService {
    public static final String DECISION_REFUSED = "https://forgeline.dev/problems/decision-refused";
    /** How a PROPOSAL_APPROVAL decision's {@code missing} names what the agent asked for. */
    static final String ASKED_TEST_COMMAND = "test command: ";

    static final String ASKED_AGENT_PROFILE = "agent profile: ";
    static final String ASKED_LABELS = "labels: ";
    static final String ASKED_REQUIRES = "requires: ";
    /** The words a task waiting for a PROPOSAL_APPROVAL decision waits with. */
    public static final String WAITING_FOR_APPROVAL =
            "waiting for approval of the proposed test command/profile/labels";

    private static final Logger LOG = Logger.getLogger(DecisionService.class);

    private final DecisionRepository decisions;
    private final SpecRepository specs;
    private final TaskRepository tasks;
    private final SpecMapper mapper;
    private final PlannerEventProducer producer;
    private final TaskRelease release;
    private final PlannerMetrics metrics;
    private final SpecParser parser;
    /** Looked up when needed: proposals ask for decisions, and a SPLIT answer makes proposed tasks. */
    private final jakarta.enterprise.inject.Instance<ProposalService> proposals;

    public DecisionService(
            DecisionRepository decisions,
            SpecRepository specs,
            TaskRepository tasks,
            SpecMapper mapper,
            PlannerEventProducer producer,
            TaskRelease release,
            PlannerMetrics metrics,
            dev.forgeline.planner.config.PlannerConfig config,
            jakarta.enterprise.inject.Instance<ProposalService> proposals) {
        this.proposals = proposals;
        this.decisions = decisions;
        this.specs = specs;
        this.tasks = tasks;
        this.mapper = mapper;
        this.producer = producer;
        this.release = release;
        this.metrics = metrics;
        this.parser = new SpecParser(config.defaultEstimate());
    }

    /** Puts the task in NEEDS_DECISION and records the request (in the caller's transaction). */
    public Decision request(Task task, DecisionKind kind, String question, List<String> missing) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        decisions.findOpen(task.specId, task.taskId).ifPresent(open -> {
            // a newer request replaces an open one: the old question no longer applies
            open.decidedAt = now;
            open.outcome = "REPLACED";
        });
        Decision decision = new Decision();
        decision.id = UUID.randomUUID();
        decision.specId = task.specId;
        decision.taskId = task.taskId;
        decision.kind = kind;
        decision.question = question;
        decision.missing = new ArrayList<>(missing);
        decision.requestedAt = now;
        decisions.persist(decision);
        task.state = TaskState.NEEDS_DECISION;
        task.updatedAt = now;
        LOG.infof("%s/%s: NEEDS_DECISION (%s): %s", task.specId, task.taskId, kind, question);
        return decision;
    }

    /** Open decisions of one spec: task id to decision. */
    public java.util.Map<String, Decision> openBySpec(String specId) {
        return decisions.openBySpec(specId);
    }

    /**
     * A task ended without merging (failed permanently, rejected in review, cancelled): when tasks wait for it
     * (depend on it, directly or not, or, for a failure, write one of its files), a person decides whether to retry it, skip it or
     * cancel it with its dependents, instead of leaving them PLANNED for ever. The task waits in NEEDS_DECISION,
     * which frees its files; skipping or cancelling it gives it back its end state.
     *
     * @param how what happened to it, as the question says it ("failed permanently (TEST_FAILURE: ...)")
     * @return whether a decision was requested
     */
    public boolean requestForBlocker(Task blocker, List<Task> all, String how) {
        List<String> waiting = new ArrayList<>(dependents(blocker.taskId, all));
        for (Task t : all) {
            // a failed task still holds its files; a rejected or cancelled one has freed them for the next writer
            if (blocker.state == TaskState.FAILED
                    && t.state == TaskState.PLANNED
                    && !waiting.contains(t.taskId)
                    && t.files.stream().anyMatch(blocker.files::contains)) {
                waiting.add(t.taskId);
            }
        }
        if (waiting.isEmpty()) {
            return false;
        }
        TaskState ended = blocker.state;
        Decision decision = request(
                blocker,
                DecisionKind.BLOCKED_BY_FAILURE,
                "task " + blocker.taskId + " " + how + " and " + String.join(", ", waiting)
                        + " wait for it: retry it, skip it (they run without it) or cancel it and its dependents",
                waiting);
        decision.blockerState = ended;
        return true;
    }

    /** The PLANNED tasks that wait for {@code taskId}, directly or through other PLANNED tasks, in spec order. */
    private static List<String> dependents(String taskId, List<Task> all) {
        java.util.Set<String> found = new java.util.LinkedHashSet<>();
        java.util.Deque<String> todo = new java.util.ArrayDeque<>(List.of(taskId));
        while (!todo.isEmpty()) {
            String at = todo.pop();
            for (Task t : all) {
                if ((t.state == TaskState.PLANNED || t.state == TaskState.NEEDS_DECISION)
                        && t.dependsOn.contains(at)
                        && found.add(t.taskId)) {
                    todo.add(t.taskId);
                }
            }
        }
        return all.stream().map(t -> t.taskId).filter(found::contains).toList();
    }

    /**
     * An agent's follow-up asks for a test command, agent profile, labels or requirements of its own: the task waits
     * until a person approves them, strips them (the parent's test command, nothing else) or drops the task.
     *
     * @param asked what the agent asked for, one line each ({@code test command: ...})
     */
    public Decision requestApproval(Task task, Task parent, List<String> asked) {
        String fallback = parent == null
                ? "no test command to fall back to"
                : parent.taskId + "'s test command `" + parent.testCommand + "`";
        return request(
                task,
                DecisionKind.PROPOSAL_APPROVAL,
                WAITING_FOR_APPROVAL + ": the agent's follow-up " + task.taskId
                        + (parent == null ? "" : " of " + parent.taskId) + " asks for " + String.join("; ", asked)
                        + ". Approve (it runs with them), strip (it runs with " + fallback
                        + " and no labels, requirements or agent profile of its own) or drop (it is cancelled)",
                asked);
    }

    /** A decision request for a task the gate found VAGUE. */
    public Decision requestQuality(Task task, QualityReport report) {
        return request(
                task,
                DecisionKind.SPEC_QUALITY,
                "task " + task.taskId + " is too vague to dispatch (score " + report.score()
                        + "): add what is missing, or override with a reason",
                report.missing());
    }

    /** The decisions about specs of the caller's projects. */
    @Transactional
    public List<DecisionView> list(boolean openOnly, SecurityIdentity caller) {
        Map<String, String> projects = specs.projectsById();
        return Callers.visible(
                        caller,
                        openOnly ? decisions.listOpen() : decisions.listAllNewestFirst(),
                        d -> projects.get(d.specId))
                .stream()
                .map(DecisionService::view)
                .toList();
    }

    /** The decision; 404 like an unknown one when its spec belongs to a project the caller does not see. */
    @Transactional
    public DecisionView get(UUID id, SecurityIdentity caller) {
        return view(visible(id, caller));
    }

    private Decision visible(UUID id, SecurityIdentity caller) {
        Decision decision = decisions.findByIdOptional(id).orElseThrow(() -> decisionNotFound(id));
        String project = specs.findByIdOptional(decision.specId)
                .map(spec -> spec.project)
                .orElse(null);
        Callers.requireProject(caller, project, () -> decisionNotFound(id));
        return decision;
    }

    public static ProblemException decisionNotFound(Object id) {
        return ProblemException.notFound("decision '" + id + "' does not exist");
    }

    /** As {@link #answer(UUID, DecisionAnswer)}, for a caller who must see the decision's project (else 404). */
    @Transactional
    public DecisionView answer(UUID id, DecisionAnswer answer, SecurityIdentity caller) {
        visible(id, caller);
        return answer(id, answer);
    }

    /**
     * Answers an open decision: {@code amend} replaces the task's text (the body of a {@code ## Task:} section,
     * fields included) and re-scores it, refused with 422 while it is still VAGUE; {@code override} releases the
     * task as it is and needs a reason. 409 when the decision was already made.
     */
    @Transactional
    public DecisionView answer(UUID id, DecisionAnswer answer) {
        Decision decision = decisions
                .findByIdOptional(id)
                .orElseThrow(() -> ProblemException.notFound("decision '" + id + "' does not exist"));
        if (answer == null || answer.action() == null) {
            String allowed = allowedActions(decision.kind);
            throw ProblemException.badRequest(
                    DECISION_REFUSED,
                    "Invalid decision",
                    "action must be " + allowed,
                    List.of(new ProblemError("action is required: " + allowed, null, "action")));
        }
        if (answer.decidedBy() == null || answer.decidedBy().isBlank()) {
            throw ProblemException.badRequest(
                    DECISION_REFUSED,
                    "Invalid decision",
                    "decidedBy is required",
                    List.of(new ProblemError("decidedBy is required", null, "decidedBy")));
        }
        Spec spec = specs.findLocked(decision.specId)
                .orElseThrow(() -> ProblemException.notFound("spec '" + decision.specId + "' does not exist"));
        if (decision.decidedAt != null) {
            throw new ProblemException(
                    409,
                    DECISION_REFUSED,
                    "Decision already made",
                    "decision " + id + " was decided at " + decision.decidedAt + " (" + decision.outcome + ")",
                    List.of());
        }
        Task task = tasks.findTask(decision.specId, decision.taskId)
                .orElseThrow(() -> ProblemException.notFound("task '" + decision.taskId + "' does not exist"));
        if (task.state != TaskState.NEEDS_DECISION) {
            throw new ProblemException(
                    409,
                    DECISION_REFUSED,
                    "Task not waiting for a decision",
                    "task " + task.taskId + " is " + task.state,
                    List.of());
        }
        String outcome;
        String action = answer.action().strip().toLowerCase(java.util.Locale.ROOT);
        if (!actions(decision.kind).contains(action)) {
            String allowed = allowedActions(decision.kind);
            throw ProblemException.badRequest(
                    DECISION_REFUSED,
                    "Invalid decision",
                    "a " + decision.kind + " decision is answered with " + allowed + ", not '" + answer.action() + "'",
                    List.of(new ProblemError("action must be " + allowed, null, "action")));
        }
        switch (action) {
            case "approve", "strip", "drop" -> outcome = answerApproval(task, action);
            case "retry" -> {
                // a new TASK_READY with a higher revision replaces the failed attempt
                task.revision = task.revision + 1;
                task.attempt = 0;
                task.failureClass = null;
                outcome = "RETRIED";
            }
            case "skip" -> {
                // the dependents run without it: it no longer counts as their dependency
                for (Task t : tasks.listBySpec(spec.id)) {
                    if (t.dependsOn.contains(task.taskId)) {
                        t.dependsOn = new ArrayList<>(t.dependsOn.stream()
                                .filter(d -> !d.equals(task.taskId))
                                .toList());
                    }
                }
                outcome = "SKIPPED";
            }
            case "cancel" -> {
                Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
                List<Task> all = tasks.listBySpec(spec.id);
                List<String> dependents = dependents(task.taskId, all);
                for (Task t : all) {
                    if (dependents.contains(t.taskId)) {
                        t.state = TaskState.CANCELLED;
                        t.updatedAt = at;
                        decisions.findOpen(t.specId, t.taskId).ifPresent(open -> {
                            open.decidedAt = at;
                            open.outcome = "CANCELLED";
                        });
                    }
                }
                outcome = "CANCELLED";
            }
            case "amend" -> {
                if (decision.kind == DecisionKind.SPLIT
                        && answer.text() != null
                        && answer.text().contains("## Task:")) {
                    splitByHand(spec, task, answer.text());
                    outcome = "SPLIT";
                    break;
                }
                ParsedTask amended = parseAmendment(task, answer.text());
                QualityReport report = QualityGate.score(amended);
                if (report.qualityClass() == SpecQuality.VAGUE) {
                    throw new ProblemException(
                            422,
                            DECISION_REFUSED,
                            "Task still too vague",
                            "the amended task scores " + report.score() + " (VAGUE); still missing: "
                                    + String.join(", ", report.missing()),
                            report.reasons().stream()
                                    .map(r -> new ProblemError(r.code() + ": " + r.detail(), null, "text"))
                                    .toList());
                }
                List<String> dependencies = task.dependsOn;
                mapper.copyText(task, amended, report);
                task.dependsOn = dependencies; // the graph stays as planned
                task.writtenBy = answer.decidedBy(); // the amended text is the answerer's (four eyes)
                if (decision.kind != DecisionKind.SPEC_QUALITY) {
                    task.revision = task.revision + 1; // a new TASK_READY replaces the failed one
                    task.attempt = 0;
                    task.failureClass = null;
                }
                outcome = "AMENDED";
            }
            case "override" -> {
                if (answer.reason() == null || answer.reason().isBlank()) {
                    throw ProblemException.badRequest(
                            DECISION_REFUSED,
                            "Invalid decision",
                            "an override needs a reason",
                            List.of(new ProblemError("reason is required for override", null, "reason")));
                }
                if (decision.kind != DecisionKind.SPEC_QUALITY) {
                    task.revision = task.revision + 1;
                    task.attempt = 0;
                    task.failureClass = null;
                }
                outcome = "OVERRIDDEN";
            }
            default ->
                throw ProblemException.badRequest(
                        DECISION_REFUSED,
                        "Invalid decision",
                        "unknown action '" + answer.action() + "'",
                        List.of(new ProblemError("action must be amend or override", null, "action")));
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        decision.decidedAt = now;
        decision.decidedBy = answer.decidedBy().strip();
        decision.outcome = outcome;
        decision.note = answer.reason();
        if (decision.kind == DecisionKind.PROPOSAL_APPROVAL) {
            task.updatedAt = now; // answerApproval set the state
        } else if (outcome.equals("SKIPPED") || outcome.equals("CANCELLED")) {
            // a rejected task stays rejected; anything else the person let go of is cancelled
            task.state = decision.blockerState == TaskState.REJECTED ? TaskState.REJECTED : TaskState.CANCELLED;
            task.updatedAt = now;
        } else if (!outcome.equals("SPLIT")) {
            task.state = TaskState.PLANNED;
            task.updatedAt = now;
        }
        producer.decisionRecorded(decision, spec.project);
        if (decision.kind == DecisionKind.PROPOSAL_APPROVAL) {
            afterApproval(task, outcome);
        }
        release.release(spec, tasks.listBySpec(spec.id));
        metrics.decisionMade(decision.kind, Duration.between(decision.requestedAt, now));
        LOG.infof(
                "decision %s on %s/%s: %s by %s",
                decision.id, decision.specId, decision.taskId, outcome, decision.decidedBy);
        return view(decision);
    }

    private static List<String> actions(DecisionKind kind) {
        return switch (kind) {
            case BLOCKED_BY_FAILURE -> List.of("retry", "skip", "cancel");
            case PROPOSAL_APPROVAL -> List.of("approve", "strip", "drop");
            default -> List.of("amend", "override");
        };
    }

    private static String allowedActions(DecisionKind kind) {
        List<String> actions = actions(kind);
        return String.join(", ", actions.subList(0, actions.size() - 1)) + " or " + actions.get(actions.size() - 1);
    }

    /**
     * A person's answer to what an agent's follow-up asked for: {@code approve} keeps it, {@code strip} gives the
     * task its parent's test command (as a follow-up naming none gets) and no labels, requirements or agent profile,
     * {@code drop} cancels the task. Nothing of the task was announced yet, so its revision stays.
     */
    private String answerApproval(Task task, String action) {
        switch (action) {
            case "approve" -> {
                task.state = TaskState.PLANNED;
                return "APPROVED";
            }
            case "strip" -> {
                Task parent = task.parentTaskId == null
                        ? null
                        : tasks.findTask(task.specId, task.parentTaskId).orElse(null);
                if (parent == null || parent.testCommand == null) {
                    throw new ProblemException(
                            409,
                            DECISION_REFUSED,
                            "Nothing to strip to",
                            "task " + task.taskId + " has no parent whose test command it could take: approve or"
                                    + " drop it",
                            List.of(new ProblemError("action must be approve or drop", null, "action")));
                }
                task.testCommand = parent.testCommand;
                task.agentProfile = null;
                task.labels = new java.util.LinkedHashMap<>();
                task.requires = new java.util.LinkedHashMap<>();
                task.state = TaskState.PLANNED;
                return "STRIPPED";
            }
            default -> {
                task.state = TaskState.CANCELLED;
                return "DROPPED";
            }
        }
    }

    /**
     * After an approval: a kept task the gate found VAGUE now asks for its quality decision (one decision open at a
     * time); tasks that a later proposal made depend on a dropped one ask a person, as for any cancelled task.
     */
    private void afterApproval(Task task, String outcome) {
        if (outcome.equals("DROPPED")) {
            requestForBlocker(task, tasks.listBySpec(task.specId), "was dropped (its proposal was not approved)");
            return;
        }
        if (task.qualityClass == SpecQuality.VAGUE) {
            requestQuality(task, QualityGate.score(asParsed(task)));
        }
    }

    /** The task as the gate scores it. */
    private static ParsedTask asParsed(Task task) {
        return new ParsedTask(
                task.taskId,
                task.title,
                task.description,
                task.acceptance,
                task.testCommand,
                task.estimateSeconds,
                task.dependsOn,
                null,
                task.priority,
                task.labels,
                task.agentProfile,
                task.line,
                task.inputs,
                task.outputs,
                task.constraints,
                task.files,
                !task.acceptance.isEmpty(),
                task.requires,
                task.fileReasons);
    }

    /** A person's split: the sections replace the task, as an LLM split would. */
    private void splitByHand(Spec spec, Task task, String text) {
        ParsedSpec parsed = parser.parse(text);
        List<SpecError> errors = new ArrayList<>(parsed.errors());
        if (parsed.tasks().isEmpty()) {
            errors.add(new SpecError("a split needs at least one '## Task:' section", null, "text"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.badRequest(
                    DECISION_REFUSED,
                    "Invalid split",
                    errors.get(0).message(),
                    errors.stream()
                            .map(e -> new ProblemError(e.message(), e.line(), "text"))
                            .toList());
        }
        task.state = TaskState.PLANNED; // leaves NEEDS_DECISION; the split cancels it
        proposals.get().replaceBySplit(spec, task, parsed.tasks());
    }

    private ParsedTask parseAmendment(Task task, String text) {
        if (text == null || text.isBlank()) {
            throw ProblemException.badRequest(
                    DECISION_REFUSED,
                    "Invalid decision",
                    "an amendment needs the text",
                    List.of(new ProblemError("text is required for amend", null, "text")));
        }
        ParsedSpec parsed = parser.parse("## Task: " + task.taskId + " - " + task.title + "\n" + text);
        List<SpecError> errors = new ArrayList<>(parsed.errors());
        if (parsed.tasks().size() != 1) {
            errors.add(new SpecError("the amendment must be the body of one task section", null, "text"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.badRequest(
                    DECISION_REFUSED,
                    "Invalid amendment",
                    errors.get(0).message(),
                    errors.stream()
                            .map(e -> new ProblemError(e.message(), e.line() == null ? null : e.line() - 1, "text"))
                            .toList());
        }
        ParsedTask amended = parsed.tasks().get(0);
        if (amended.testCommand() == null) {
            amended = amended.withTestCommand(task.testCommand);
        }
        return amended;
    }

    static DecisionView view(Decision d) {
        return new DecisionView(
                d.id,
                d.specId,
                d.taskId,
                d.kind,
                d.question,
                List.copyOf(d.missing),
                d.requestedAt,
                d.decidedAt,
                d.decidedBy,
                d.outcome,
                d.note);
    }
}
