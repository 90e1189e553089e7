package dev.forgeline.review.domain;

import java.io.Serializable;
import java.util.Objects;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;

/** One attempt of one task, identified by the fencing token of its lease. */
@Embeddable
public class TaskAttemptKey implements Serializable {
    @Column(name = "spec_id")
    public String specId;

    @Column(name = "task_id")
    public String taskId;

    @Column(name = "fencing_token")
    public long fencingToken;

    protected TaskAttemptKey() {}

    public TaskAttemptKey(String specId, String taskId, long fencingToken) {
        this.specId = specId;
        this.taskId = taskId;
        this.fencingToken = fencingToken;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskAttemptKey k
                && fencingToken == k.fencingToken
                && Objects.equals(specId, k.specId)
                && Objects.equals(taskId, k.taskId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(specId, taskId, fencingToken);
    }

    @Override
    public String toString() {
        return specId + "/" + taskId + "#" + fencingToken;
    }
}
