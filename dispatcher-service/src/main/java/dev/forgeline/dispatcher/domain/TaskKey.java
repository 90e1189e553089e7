package dev.forgeline.dispatcher.domain;

import java.io.Serializable;
import java.util.Objects;

/** Identity of a task: the pair (spec id, task id). */
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
