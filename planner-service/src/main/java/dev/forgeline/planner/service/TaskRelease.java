package dev.forgeline.planner.service;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.TaskState;
import dev.forgeline.planner.domain.Spec;
import dev.forgeline.planner.domain.Task;
import dev.forgeline.planner.messaging.PlannerEventProducer;
import org.jboss.logging.Logger;

/**
 * Decides which PLANNED tasks of a spec may run now and announces them. A task is released when every task it
 * depends on is MERGED and no task of the spec naming one of the same files is in flight (READY to IN_REVIEW):
 * tasks that touch the same file run one after the other, in spec order, so parallel agents do not collide.
 * Must run in a transaction holding the spec's lock.
 */
@ApplicationScoped
public class TaskRelease {
    private static final Logger LOG = Logger.getLogger(TaskRelease.class);
    public static final Set<TaskState> IN_FLIGHT = EnumSet.of(
            TaskState.READY,
            TaskState.LEASED,
            TaskState.RUNNING,
            TaskState.SUCCEEDED,
            TaskState.FAILED,
            TaskState.IN_REVIEW);

    private final PlannerEventProducer producer;

    public TaskRelease(PlannerEventProducer producer) {
        this.producer = producer;
    }

    /** @return the tasks released, in spec order */
    public List<Task> release(Spec spec, List<Task> all) {
        Set<String> merged = all.stream()
                .filter(t -> t.state == TaskState.MERGED)
                .map(t -> t.taskId)
                .collect(Collectors.toSet());
        Set<String> busyFiles = new HashSet<>();
        all.stream().filter(t -> IN_FLIGHT.contains(t.state)).forEach(t -> busyFiles.addAll(t.files));
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<Task> released = new ArrayList<>();
        for (Task task : all) {
            if (task.state != TaskState.PLANNED || !merged.containsAll(task.dependsOn)) {
                continue;
            }
            if (task.files.stream().anyMatch(busyFiles::contains)) {
                LOG.debugf("%s/%s waits: a task naming one of its files is in flight", spec.id, task.taskId);
                // an earlier task claims the files first, so later ones keep spec order
                busyFiles.addAll(task.files);
                continue;
            }
            busyFiles.addAll(task.files);
            task.state = TaskState.READY;
            task.updatedAt = now;
            producer.announce(spec, task, all);
            released.add(task);
            LOG.infof("%s/%s: READY (revision %d, %s)", spec.id, task.taskId, task.revision, task.qualityClass);
        }
        return released;
    }
}
