package dev.forgeline.dispatcher.domain;

import java.time.Instant;
import java.util.UUID;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import org.hibernate.annotations.ColumnTransformer;

/** A task the dispatcher executes. Read through JPA; written by set-based SQL in {@code TaskRepository}. */
@Entity
@Table(name = "task")
@IdClass(TaskKey.class)
public class Task {
    @Id
    @Column(name = "spec_id")
    public String specId;

    @Id
    @Column(name = "task_id")
    public String taskId;

    /** The project of the task's spec. */
    public String project;

    /** The TaskReady payload as JSON, forwarded to the worker in every lease. */
    @Column(name = "task_ready")
    public String taskReady;

    @Enumerated(EnumType.STRING)
    public TaskState state;

    /** Leases granted so far; the current or last lease's attempt number. */
    public int attempt;

    public int priority;

    @Column(name = "labels")
    @ColumnTransformer(read = "labels::text", write = "?::jsonb")
    public String labelsJson;

    /** Placement requirements as a JSON object (jsonb in the database). */
    @Column(name = "requires")
    @ColumnTransformer(read = "requires::text", write = "?::jsonb")
    public String requiresJson;

    @Column(name = "agent_profile")
    public String agentProfile;

    @Column(name = "ready_at")
    public Instant readyAt;

    @Column(name = "current_lease_id")
    public UUID currentLeaseId;

    @Column(name = "fencing_token")
    public Long fencingToken;

    @Column(name = "node_name")
    public String nodeName;

    @Enumerated(EnumType.STRING)
    @Column(name = "failure_class")
    public FailureClass failureClass;

    @Column(name = "updated_at")
    public Instant updatedAt;

    public int revision;

    @Column(name = "waiting_reason")
    public String waitingReason;

    @Column(name = "failure_detail")
    public String failureDetail;

    public boolean permanent;

    @Column(name = "not_before")
    public Instant notBefore;

    @Column(name = "lease_profile")
    public String leaseProfile;

    @Column(name = "first_ready_at")
    public Instant firstReadyAt;

    @Column(name = "needs_human_review")
    public boolean needsHumanReview;
}
