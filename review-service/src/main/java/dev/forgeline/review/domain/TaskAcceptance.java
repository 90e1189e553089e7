package dev.forgeline.review.domain;

import java.time.Instant;
import jakarta.persistence.Column;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/** The dispatcher accepted the result carrying this fencing token (lifecycle SUCCEEDED). */
@Entity
@Table(name = "task_acceptance")
public class TaskAcceptance {
    @EmbeddedId
    public TaskAttemptKey id;

    public int attempt;

    @Column(name = "accepted_at")
    public Instant acceptedAt;
}
