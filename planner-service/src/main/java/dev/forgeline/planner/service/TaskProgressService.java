package dev.forgeline.planner.service;

import dev.forgeline.contracts.TaskProgress;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.planner.domain.Spec;
import dev.forgeline.planner.domain.Task;
import dev.forgeline.planner.messaging.TaskReadyProducer;
import dev.forgeline.planner.repository.SpecRepository;
import dev.forgeline.planner.repository.TaskRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Keeps the planner's view of each task up to date from the dispatcher's lifecycle events and the review
 * service's outcomes, and releases dependents when a task is merged.
 */
@ApplicationScoped
public class TaskProgressService {
    private static final Logger LOG = Logger.getLogger(TaskProgressService.class);
    private static final Set<TaskState> REVIEW_STATES =
            EnumSet.of(TaskState.IN_REVIEW, TaskState.MERGED, TaskState.REJECTED, TaskState.REVERTED);

    private final SpecRepository specs;
    private final TaskRepository tasks;
    private final TaskReadyProducer readyProducer;

    public TaskProgressService(SpecRepository specs, TaskRepository tasks, TaskReadyProducer readyProducer) {
        this.specs = specs;
        this.tasks = tasks;
        this.readyProducer = readyProducer;
    }

    /** An execution state change announced by the dispatcher. */
    @Transactional
    public void onStateChanged(TaskStateChanged change) {
        if (change.state() == null) {
            LOG.warnf("state change of %s/%s without a state ignored", change.specId(), change.taskId());
            return;
        }
        apply(change.specId(), change.taskId(), change.state(), change.attempt(), task -> {
            task.failureClass = change.state() == TaskState.FAILED ? change.failureClass() : null;
        });
    }

    /** A review decision: IN_REVIEW, MERGED, REJECTED or REVERTED. */
    @Transactional
    public void onReviewOutcome(ReviewOutcome outcome) {
        if (!REVIEW_STATES.contains(outcome.state())) {
            LOG.warnf("review outcome %s of %s/%s is not a review state, ignored", outcome.state(),
                    outcome.specId(), outcome.taskId());
            return;
        }
        apply(outcome.specId(), outcome.taskId(), outcome.state(), outcome.attempt(), task -> {
            task.failureClass = null;
            task.reviewLevel = outcome.level();
            if (outcome.mergeCommit() != null) {
                task.mergeCommit = outcome.mergeCommit();
            }
        });
    }

    private void apply(String specId, String taskId, TaskState reported, int attempt, Consumer<Task> details) {
        // the spec lock serialises all changes to one spec's tasks (see SpecRepository#findLocked)
        Optional<Spec> spec = specId == null ? Optional.empty() : specs.findLocked(specId);
        Optional<Task> found = spec.flatMap(s -> tasks.findTask(s.id, taskId));
        if (found.isEmpty()) {
            LOG.warnf("%s (attempt %d) for unknown task %s/%s ignored", reported, attempt, specId, taskId);
            return;
        }
        Task task = found.get();
        if (!TaskProgress.applies(task.state, task.attempt, reported, attempt)) {
            LOG.debugf("%s/%s: %s attempt %d does not replace %s attempt %d", specId, taskId, reported, attempt,
                    task.state, task.attempt);
            return;
        }
        LOG.infof("%s/%s: %s attempt %d -> %s attempt %d", specId, taskId, task.state, task.attempt, reported,
                attempt);
        task.state = reported;
        task.attempt = attempt;
        details.accept(task);
        task.updatedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        if (reported == TaskState.MERGED) {
            releaseDependents(spec.get());
        }
    }

    /**
     * Every PLANNED task of the spec whose dependencies are all MERGED becomes READY and is announced. Only
     * PLANNED tasks are released, so a repeated merge announcement releases nothing twice.
     */
    private void releaseDependents(Spec spec) {
        List<Task> all = tasks.listBySpec(spec.id);
        Set<String> merged = all.stream().filter(t -> t.state == TaskState.MERGED).map(t -> t.taskId)
                .collect(Collectors.toSet());
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        for (Task task : all) {
            if (task.state == TaskState.PLANNED && merged.containsAll(task.dependsOn)) {
                task.state = TaskState.READY;
                task.updatedAt = now;
                readyProducer.announce(spec, task);
                LOG.infof("%s/%s: dependencies merged, READY", spec.id, task.taskId);
            }
        }
    }
}
