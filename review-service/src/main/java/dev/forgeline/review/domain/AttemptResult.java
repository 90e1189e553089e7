package dev.forgeline.review.domain;

import java.math.BigDecimal;
import java.time.Instant;
import jakarta.persistence.Column;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Table;

import dev.forgeline.contracts.FailureClass;

/** One attempt's result as the worker reported it (failed ones too): the attempt history of a review. */
@Entity
@Table(name = "attempt_result")
public class AttemptResult {
    @EmbeddedId
    public TaskAttemptKey id;

    public int attempt;

    @Column(name = "node_name")
    public String nodeName;

    public boolean succeeded;

    @Enumerated(EnumType.STRING)
    @Column(name = "failure_class")
    public FailureClass failureClass;

    @Column(name = "failure_detail")
    public String failureDetail;

    @Column(name = "tests_passed")
    public boolean testsPassed;

    @Column(name = "cost_usd")
    public BigDecimal costUsd;

    @Column(name = "compute_millis")
    public long computeMillis;

    @Column(name = "finished_at")
    public Instant finishedAt;

    @Column(name = "received_at")
    public Instant receivedAt;
}
