package dev.forgeline.metrics.domain;

import java.io.Serializable;
import java.util.Objects;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;

@Embeddable
public class TaskFactId implements Serializable {
    @Column(name = "spec_id")
    public String specId;

    @Column(name = "task_id")
    public String taskId;

    protected TaskFactId() {}

    public TaskFactId(String specId, String taskId) {
        this.specId = specId;
        this.taskId = taskId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskFactId k && Objects.equals(specId, k.specId) && Objects.equals(taskId, k.taskId);
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
