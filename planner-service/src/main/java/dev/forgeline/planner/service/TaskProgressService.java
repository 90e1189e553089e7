package dev.forgeline.planner.service;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.DecisionKind;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskProgress;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.planner.domain.Spec;
import dev.forgeline.planner.domain.Task;
import dev.forgeline.planner.repository.SpecRepository;
import dev.forgeline.planner.repository.TaskRepository;
import org.jboss.logging.Logger;

/**
 * Keeps the planner's view of each task up to date from the dispatcher's lifecycle events and the review
 * service's outcomes, and releases waiting tasks when a task is merged or leaves the flight (their
 * dependencies are met or the files they share are free). A permanent AMBIGUOUS_SPEC failure becomes a decision
 * request; a permanent CONTEXT_EXHAUSTED failure is split; any other permanent failure, a rejection in review or a
 * cancellation from outside the planner that tasks wait for becomes a BLOCKED_BY_FAILURE decision (retry, skip,
 * cancel).
 */
@ApplicationScoped
public class TaskProgressService {
    private static final Logger LOG = Logger.getLogger(TaskProgressService.class);
    private static final Set<TaskState> REVIEW_STATES =
            EnumSet.of(TaskState.IN_REVIEW, TaskState.MERGED, TaskState.REJECTED, TaskState.REVERTED);

    private final SpecRepository specs;
    private final TaskRepository tasks;
    private final TaskRelease release;
    private final DecisionService decisions;
    private final ProposalService proposals;

    public TaskProgressService(
            SpecRepository specs,
            TaskRepository tasks,
            TaskRelease release,
            DecisionService decisions,
            ProposalService proposals) {
        this.specs = specs;
        this.tasks = tasks;
        this.release = release;
        this.decisions = decisions;
        this.proposals = proposals;
    }

    /** An execution state change announced by the dispatcher. */
    @Transactional
    public void onStateChanged(TaskStateChanged change) {
        if (change.state() == null) {
            LOG.warnf("state change of %s/%s without a state ignored", change.specId(), change.taskId());
            return;
        }
        apply(change.specId(), change.taskId(), change.state(), change.attempt(), (spec, task) -> {
            task.failureClass = change.state() == TaskState.FAILED || change.state() == TaskState.CANCELLED
                    ? change.failureClass()
                    : null;
            if (change.state() == TaskState.CANCELLED) {
                // cancelled from outside the planner (a person at the dispatcher): what waits for it asks a person
                decisions.requestForBlocker(
                        task,
                        tasks.listBySpec(spec.id),
                        "was cancelled" + (change.reason() == null ? "" : " (" + change.reason() + ")"));
                return;
            }
            if (change.state() != TaskState.FAILED) {
                return;
            }
            if (change.failureClass() == FailureClass.AMBIGUOUS_SPEC) {
                decisions.request(
                        task,
                        DecisionKind.AMBIGUOUS_SPEC,
                        ambiguityQuestion(task.taskId, change.reason()),
                        List.of(change.reason() == null ? "clarification of the task text" : change.reason()));
            } else if (change.failureClass() == FailureClass.CONTEXT_EXHAUSTED && change.permanent()) {
                proposals.splitExhausted(spec, task, change.reason());
            } else if (change.permanent()) {
                decisions.requestForBlocker(
                        task,
                        tasks.listBySpec(spec.id),
                        "failed permanently (" + task.failureClass
                                + (change.reason() == null ? "" : ": " + change.reason()) + ")");
            }
        });
    }

    /**
     * The question a permanent AMBIGUOUS_SPEC failure asks. The class also carries what only a person can settle
     * besides an unclear text: a task no registered node can take (the dispatcher's "unplaceable: ..." reason) and a
     * repository the worker could not fetch or push with its credentials ("could not fetch|push ..."); the
     * question names which, so nobody is asked to clarify a text that is clear.
     */
    static String ambiguityQuestion(String taskId, String reason) {
        String why = reason == null ? "" : reason;
        if (why.startsWith("unplaceable:")) {
            return "no registered node can take task " + taskId
                    + ": change its Requires or agent profile (amend), or release it as it is once a node offers"
                    + " them (override)";
        }
        if (why.startsWith("could not fetch ") || why.startsWith("could not push ")) {
            return "task " + taskId + " could not reach its repository with the worker's credentials: fix the"
                    + " credentials, the URL or the branch protection, then release it as it is (override) or"
                    + " amend it";
        }
        return "the agent found task " + taskId
                + " ambiguous: clarify the text (amend) or release it as it is (override)";
    }

    /** A review decision: IN_REVIEW, MERGED, REJECTED or REVERTED. */
    @Transactional
    public void onReviewOutcome(ReviewOutcome outcome) {
        if (!REVIEW_STATES.contains(outcome.state())) {
            LOG.warnf(
                    "review outcome %s of %s/%s is not a review state, ignored",
                    outcome.state(), outcome.specId(), outcome.taskId());
            return;
        }
        apply(outcome.specId(), outcome.taskId(), outcome.state(), outcome.attempt(), (spec, task) -> {
            task.failureClass = null;
            task.reviewLevel = outcome.level();
            if (outcome.mergeCommit() != null) {
                task.mergeCommit = outcome.mergeCommit();
            }
            if (outcome.state() == TaskState.REJECTED) {
                decisions.requestForBlocker(
                        task,
                        tasks.listBySpec(spec.id),
                        "was rejected in review"
                                + (outcome.reviewer() == null ? "" : " by " + outcome.reviewer())
                                + (outcome.comment() == null
                                                || outcome.comment().isBlank()
                                        ? ""
                                        : " (" + outcome.comment().strip() + ")"));
            }
        });
    }

    private void apply(
            String specId,
            String taskId,
            TaskState reported,
            int attempt,
            java.util.function.BiConsumer<Spec, Task> details) {
        // the spec lock serialises all changes to one spec's tasks (see SpecRepository#findLocked)
        Optional<Spec> spec = specId == null ? Optional.empty() : specs.findLocked(specId);
        Optional<Task> found = spec.flatMap(s -> tasks.findTask(s.id, taskId));
        if (found.isEmpty()) {
            LOG.warnf("%s (attempt %d) for unknown task %s/%s ignored", reported, attempt, specId, taskId);
            return;
        }
        Task task = found.get();
        if (task.state == TaskState.NEEDS_DECISION && reported != TaskState.CANCELLED) {
            LOG.debugf("%s/%s waits for a decision: %s attempt %d ignored", specId, taskId, reported, attempt);
            return;
        }
        if (!TaskProgress.applies(task.state, task.attempt, reported, attempt)) {
            LOG.debugf(
                    "%s/%s: %s attempt %d does not replace %s attempt %d",
                    specId, taskId, reported, attempt, task.state, task.attempt);
            return;
        }
        LOG.infof("%s/%s: %s attempt %d -> %s attempt %d", specId, taskId, task.state, task.attempt, reported, attempt);
        task.state = reported;
        task.attempt = attempt;
        task.updatedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        details.accept(spec.get(), task);
        if (task.state.isFinal() || task.state == TaskState.NEEDS_DECISION) {
            // a merge meets dependencies; any task leaving the flight frees the files it named
            release.release(spec.get(), tasks.listBySpec(spec.get().id));
        }
    }
}
