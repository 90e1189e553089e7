package dev.forgeline.planner.domain;

import java.io.Serializable;
import java.util.Objects;

/** A task is identified by its spec and the id its author gave it. */
public class TaskKey implements Serializable {
    public String specId;
    public String taskId;

    public TaskKey() {}

    public TaskKey(String specId, String taskId) {
        this.specId = specId;
        this.taskId = taskId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskKey other
                && Objects.equals(specId, other.specId)
                && Objects.equals(taskId, other.taskId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(specId, taskId);
    }

    @Override
    public String toString() {
        return specId + "/" + taskId;
    }
}
