package dev.forgeline.dispatcher.task;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskCommandKind;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskCommand;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.dispatcher.dispatch.DispatchLoop;
import dev.forgeline.dispatcher.domain.Counter;
import dev.forgeline.dispatcher.domain.LeaseOutcome;
import dev.forgeline.dispatcher.lease.LeaseOutcomeService;
import dev.forgeline.dispatcher.metrics.DispatcherMetrics;
import dev.forgeline.dispatcher.repository.CounterRepository;
import dev.forgeline.dispatcher.repository.TaskRepository;
import dev.forgeline.dispatcher.repository.TaskRepository.TaskRow;
import dev.forgeline.dispatcher.retry.RetryService;
import dev.forgeline.dispatcher.retry.RetryService.EndedAttempt;
import dev.forgeline.support.outbox.Outbox;
import dev.forgeline.support.problem.Problem.ProblemError;
import dev.forgeline.support.problem.ProblemException;
import org.jboss.logging.Logger;

/**
 * Changes to tasks from outside their attempts: cancel and retry (operators, REST), CANCEL and SUPERSEDE
 * (planner commands), and review outcomes that send a succeeded attempt back (MERGE_CONFLICT, CHANGES_REQUESTED).
 */
@ApplicationScoped
public class TaskControlService {
    private static final Logger LOG = Logger.getLogger(TaskControlService.class);
    static final String ILLEGAL = "urn:forgeline:problem:illegal-task-transition";
    static final Set<TaskState> CANCELLABLE = EnumSet.of(TaskState.READY, TaskState.LEASED, TaskState.RUNNING);
    static final Set<TaskState> RETRYABLE = EnumSet.of(TaskState.FAILED, TaskState.CANCELLED);

    private final TaskRepository tasks;
    private final LeaseOutcomeService leaseOutcomes;
    private final RetryService retries;
    private final CounterRepository counters;
    private final Outbox outbox;
    private final DispatchLoop dispatchLoop;
    private final DispatcherMetrics metrics;

    public TaskControlService(
            TaskRepository tasks,
            LeaseOutcomeService leaseOutcomes,
            RetryService retries,
            CounterRepository counters,
            Outbox outbox,
            DispatchLoop dispatchLoop,
            DispatcherMetrics metrics) {
        this.tasks = tasks;
        this.leaseOutcomes = leaseOutcomes;
        this.retries = retries;
        this.counters = counters;
        this.outbox = outbox;
        this.dispatchLoop = dispatchLoop;
        this.metrics = metrics;
    }

    /**
     * Cancels a task that is READY, LEASED or RUNNING: its lease is revoked and lifecycle CANCELLED published.
     *
     * @throws ProblemException 404 unknown task, 409 a task in any other state (nothing changes)
     */
    @Transactional
    public void cancel(String specId, String taskId, String reason) {
        TaskRow row = tasks.lockRow(specId, taskId).orElseThrow(() -> unknown(specId, taskId));
        if (!CANCELLABLE.contains(row.state())) {
            throw illegal(
                    specId, taskId, row.state(), "cancelled", "only READY, LEASED or RUNNING tasks can be cancelled");
        }
        cancelRow(row, reason == null || reason.isBlank() ? "cancelled by an operator" : reason, true);
    }

    /**
     * Runs a FAILED or CANCELLED task again with a fresh attempt budget.
     *
     * @throws ProblemException 404 unknown task, 409 a task in any other state (nothing changes)
     */
    @Transactional
    public void retry(String specId, String taskId) {
        TaskRow row = tasks.lockRow(specId, taskId).orElseThrow(() -> unknown(specId, taskId));
        if (!RETRYABLE.contains(row.state())) {
            throw illegal(specId, taskId, row.state(), "retried", "only FAILED or CANCELLED tasks can be retried");
        }
        tasks.rearm(specId, taskId);
        outbox.append(
                EventType.TASK_STATE_CHANGED,
                specId,
                taskId,
                Topics.key(specId, taskId),
                new TaskStateChanged(
                        specId,
                        taskId,
                        TaskState.READY,
                        row.attempt(),
                        null,
                        row.fencingToken() == null ? 0 : row.fencingToken(),
                        null,
                        "retry requested by an operator"),
                row.traceContext());
        dispatchLoop.wakeAfterCommit();
    }

    /** Applies a planner command; commands older than the task's revision, and unknown tasks, change nothing. */
    @Transactional
    public void applyCommand(TaskCommand command) {
        if (command.specId() == null || command.taskId() == null || command.command() == null) {
            throw new IllegalArgumentException("a TaskCommand needs a spec id, a task id and a command");
        }
        Optional<TaskRow> locked = tasks.lockRow(command.specId(), command.taskId());
        if (locked.isEmpty()) {
            LOG.infof("%s for unknown task %s/%s ignored", command.command(), command.specId(), command.taskId());
            return;
        }
        TaskRow row = locked.get();
        String reason =
                command.reason() == null ? command.command() + " by revision " + command.revision() : command.reason();
        if (command.command() == TaskCommandKind.CANCEL) {
            if (command.revision() < row.revision()
                    || row.state() == TaskState.CANCELLED
                    || row.state() == TaskState.SUCCEEDED) {
                LOG.infof(
                        "CANCEL of %s/%s (revision %d) ignored: task is %s at revision %d",
                        row.specId(), row.taskId(), command.revision(), row.state(), row.revision());
                return;
            }
            cancelRow(row, reason, true);
        } else {
            // SUPERSEDE: the text changed; stop what runs, keep the task out of the queue until the new TASK_READY
            if (command.revision() <= row.revision() || !CANCELLABLE.contains(row.state())) {
                LOG.infof(
                        "SUPERSEDE of %s/%s (revision %d) ignored: task is %s at revision %d",
                        row.specId(), row.taskId(), command.revision(), row.state(), row.revision());
                return;
            }
            cancelRow(row, "superseded: " + reason, false);
        }
    }

    /**
     * A review outcome FAILED with MERGE_CONFLICT, CHANGES_REQUESTED or TEST_FAILURE (a required check) sends the reviewed (SUCCEEDED) attempt
     * back through the retry table, with the reviewer's comment as context. Outcomes for another attempt than
     * the task's current one change nothing.
     */
    @Transactional
    public void applyReviewOutcome(ReviewOutcome outcome) {
        if (outcome.state() != TaskState.FAILED || outcome.failureClass() == null) {
            return;
        }
        Optional<TaskRow> locked = tasks.lockRow(outcome.specId(), outcome.taskId());
        if (locked.isEmpty()
                || locked.get().state() != TaskState.SUCCEEDED
                || locked.get().fencingToken() == null
                || locked.get().fencingToken() != outcome.fencingToken()) {
            counters.increment(Counter.STALE_RESULTS, 1);
            metrics.stale("review");
            LOG.infof(
                    "stale review outcome %s for %s/%s token %d: task is %s with token %s",
                    outcome.failureClass(),
                    outcome.specId(),
                    outcome.taskId(),
                    outcome.fencingToken(),
                    locked.map(r -> r.state().name()).orElse("unknown"),
                    locked.map(r -> String.valueOf(r.fencingToken())).orElse("none"));
            return;
        }
        TaskRow row = locked.get();
        String detail = switch (outcome.failureClass()) {
            case MERGE_CONFLICT ->
                "merge conflict with the new main" + (outcome.comment() == null ? "" : ": " + outcome.comment());
            // merge mode pull-request: a required check of the repository failed on the pull request
            case TEST_FAILURE -> "a required check failed on the pull request";
            default -> "changes requested" + (outcome.reviewer() == null ? "" : " by " + outcome.reviewer());
        };
        retries.failed(
                row,
                new EndedAttempt(
                        row.attempt(),
                        row.currentLeaseId(),
                        row.nodeName(),
                        row.leaseAgentProfile(),
                        row.fencingToken(),
                        "REVIEW"),
                outcome.failureClass(),
                detail,
                outcome.comment(),
                outcome.comment());
    }

    private void cancelRow(TaskRow row, String reason, boolean announce) {
        if (row.leaseOpen() && row.isActive()) {
            EndedAttempt ended = leaseOutcomes.revoke(row, LeaseOutcome.CANCELLED, FailureClass.CANCELLED, reason);
            retries.cancelled(row, ended, reason);
        }
        tasks.finish(
                row.specId(),
                row.taskId(),
                TaskState.CANCELLED,
                FailureClass.CANCELLED,
                LeaseOutcomeService.truncate(reason),
                false);
        counters.increment(Counter.CANCELLED, 1);
        if (announce) {
            outbox.append(
                    EventType.TASK_STATE_CHANGED,
                    row.specId(),
                    row.taskId(),
                    Topics.key(row.specId(), row.taskId()),
                    new TaskStateChanged(
                            row.specId(),
                            row.taskId(),
                            TaskState.CANCELLED,
                            row.attempt(),
                            row.nodeName(),
                            row.fencingToken() == null ? 0 : row.fencingToken(),
                            FailureClass.CANCELLED,
                            LeaseOutcomeService.truncate(reason)),
                    row.traceContext());
        }
        LOG.infof("task %s/%s cancelled (%s): %s", row.specId(), row.taskId(), row.state(), reason);
    }

    static ProblemException unknown(String specId, String taskId) {
        return ProblemException.notFound("task " + specId + "/" + taskId + " is unknown to the dispatcher");
    }

    static ProblemException illegal(String specId, String taskId, TaskState state, String verb, String rule) {
        return new ProblemException(
                409,
                ILLEGAL,
                "Illegal task transition",
                "task " + specId + "/" + taskId + " is " + state + " and cannot be " + verb + ": " + rule,
                List.of(new ProblemError("state is " + state, null, "state")));
    }
}
