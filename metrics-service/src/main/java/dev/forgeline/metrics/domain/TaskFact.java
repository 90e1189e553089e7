package dev.forgeline.metrics.domain;

import java.math.BigDecimal;
import java.time.Instant;
import jakarta.persistence.Column;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Table;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.contracts.TaskState;

/** Everything known about one task, folded from all topics. */
@Entity
@Table(name = "task_fact")
public class TaskFact {
    @EmbeddedId
    public TaskFactId id;

    /** Null until a state event arrived (a result alone says nothing about the state). */
    @Enumerated(EnumType.STRING)
    public TaskState state;
    /** The attempt {@link #state} belongs to (0 before the first lease). */
    public int attempt;
    /** The highest attempt number seen. */
    public int attempts;

    @Column(name = "compute_millis")
    public long computeMillis;
    /** Lines added by succeeded attempts. */
    @Column(name = "lines_added")
    public int linesAdded;

    @Column(name = "lines_merged")
    public int linesMerged;

    @Column(name = "cost_usd")
    public BigDecimal costUsd = BigDecimal.ZERO;

    @Column(name = "input_tokens")
    public long inputTokens;

    @Column(name = "output_tokens")
    public long outputTokens;

    @Enumerated(EnumType.STRING)
    @Column(name = "failure_class")
    public FailureClass failureClass;

    @Column(name = "ready_at")
    public Instant readyAt;

    @Column(name = "merged_at")
    public Instant mergedAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    @Column(name = "spec_name")
    public String specName;

    /** The project of the task's spec, from its TaskReady. */
    public String project;

    @Enumerated(EnumType.STRING)
    @Column(name = "quality_class")
    public SpecQuality qualityClass;

    public int priority;
    /** The task's labels as {@code key=value} lines, sorted. */
    public String labels;

    public String repository;
    /** The earliest and latest occurredAt of any event about the task (wall-clock, week of the task). */
    @Column(name = "first_event_at")
    public Instant firstEventAt;

    @Column(name = "last_event_at")
    public Instant lastEventAt;
    /** Set when a FAILED state said no retry follows. */
    @Enumerated(EnumType.STRING)
    @Column(name = "permanent_failure_class")
    public FailureClass permanentFailureClass;
    /** The review level of the latest review outcome that carried one. */
    @Column(name = "review_level")
    public Integer reviewLevel;
    /** The person who approved the merge; null for an automatic merge. */
    @Column(name = "merged_by")
    public String mergedBy;
    /** The attempt that was merged. */
    @Column(name = "merged_attempt")
    public Integer mergedAttempt;

    /** Widens the task's event-time window to include {@code at}. */
    public void seen(Instant at) {
        if (at == null) {
            return;
        }
        if (firstEventAt == null || at.isBefore(firstEventAt)) {
            firstEventAt = at;
        }
        if (lastEventAt == null || at.isAfter(lastEventAt)) {
            lastEventAt = at;
        }
    }
}
