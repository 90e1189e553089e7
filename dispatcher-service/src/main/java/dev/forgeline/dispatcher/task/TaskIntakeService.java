package dev.forgeline.dispatcher.task;

import java.util.Optional;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.ReviewRisk;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.dispatcher.dispatch.DispatchLoop;
import dev.forgeline.dispatcher.domain.LeaseOutcome;
import dev.forgeline.dispatcher.lease.LeaseOutcomeService;
import dev.forgeline.dispatcher.repository.TaskRepository;
import dev.forgeline.dispatcher.repository.TaskRepository.TaskRow;
import dev.forgeline.dispatcher.retry.RetryService;
import dev.forgeline.dispatcher.retry.RetryService.EndedAttempt;
import dev.forgeline.support.tracing.TraceContexts;
import org.jboss.logging.Logger;

/** Takes READY tasks from the planner into the dispatch queue. */
@ApplicationScoped
public class TaskIntakeService {
    private static final Logger LOG = Logger.getLogger(TaskIntakeService.class);

    private final TaskRepository tasks;
    private final DispatchLoop dispatchLoop;
    private final ObjectMapper json;
    private final TraceContexts traceContexts;

    private final LeaseOutcomeService leaseOutcomes;
    private final RetryService retries;

    public TaskIntakeService(
            TaskRepository tasks,
            DispatchLoop dispatchLoop,
            ObjectMapper json,
            TraceContexts traceContexts,
            LeaseOutcomeService leaseOutcomes,
            RetryService retries) {
        this.leaseOutcomes = leaseOutcomes;
        this.retries = retries;
        this.tasks = tasks;
        this.dispatchLoop = dispatchLoop;
        this.json = json;
        this.traceContexts = traceContexts;
    }

    /**
     * Queues a task as READY. A task already queued or running at the same (or a newer) revision is a duplicate
     * and ignored; a finished one is queued again; a higher revision replaces a queued task, and revokes the lease
     * of a task in flight before queueing the new text. The current trace context (the consumer span of the TaskReady) is stored with the task, so
     * the lease events continue the task's trace.
     *
     * @param specId the envelope's spec id, used when the payload does not name one
     * @param taskId the envelope's task id, used when the payload does not name one
     * @return true if the task was queued
     */
    @Transactional
    public boolean accept(String specId, String taskId, TaskReady ready) {
        String spec = ready.specId() != null ? ready.specId() : specId;
        String task = ready.taskId() != null ? ready.taskId() : taskId;
        if (spec == null || spec.isBlank() || task == null || task.isBlank()) {
            throw new IllegalArgumentException("a TaskReady needs a spec id and a task id");
        }
        String agentProfile =
                ready.agentProfile() == null || ready.agentProfile().isBlank() ? null : ready.agentProfile();
        int revision = Math.max(1, ready.revision());
        Optional<TaskRow> existing = tasks.lockRow(spec, task);
        if (existing.isPresent()
                && existing.get().isActive()
                && revision > existing.get().revision()) {
            // a new revision of a task in flight: stop the old text's attempt, then queue the new text
            TaskRow row = existing.get();
            String reason = "replaced by revision " + revision + " (was " + row.revision() + ")";
            if (row.leaseOpen()) {
                EndedAttempt ended = leaseOutcomes.revoke(row, LeaseOutcome.CANCELLED, FailureClass.CANCELLED, reason);
                retries.cancelled(row, ended, reason);
            }
            tasks.finish(spec, task, TaskState.CANCELLED, FailureClass.CANCELLED, reason, false);
        }
        boolean queued = tasks.insertReady(
                spec,
                task,
                encode(ready),
                ready.priority(),
                ready.labels(),
                ready.requires(),
                agentProfile,
                ready.estimateSeconds(),
                traceContexts.current(),
                revision,
                ReviewRisk.needsHumanReview(ready.labels(), ready.files()),
                ready.project());
        if (queued && existing.isPresent()) {
            LOG.infof(
                    "task %s/%s queued at revision %d (was %s at revision %d)",
                    spec, task, revision, existing.get().state(), existing.get().revision());
        }
        if (queued) {
            dispatchLoop.wakeAfterCommit();
        } else {
            LOG.debugf("task %s/%s is already queued or running; TaskReady ignored", spec, task);
        }
        return queued;
    }

    private String encode(TaskReady ready) {
        try {
            return json.writeValueAsString(ready);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("TaskReady cannot be encoded", e);
        }
    }
}
