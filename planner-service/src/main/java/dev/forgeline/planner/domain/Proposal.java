package dev.forgeline.planner.domain;

import java.time.Instant;
import java.util.UUID;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A follow-up proposal the planner handled: the task it became, or why it was refused. */
@Entity
@Table(name = "proposal")
public class Proposal {
    @Id
    @Column(name = "proposal_id")
    public UUID proposalId;

    @Column(name = "spec_id", nullable = false)
    public String specId;

    /** The task it became, or null when refused. */
    @Column(name = "task_id")
    public String taskId;

    /** ACCEPTED or REFUSED. */
    @Column(nullable = false)
    public String outcome;

    @Column
    public String reason;

    @Column(name = "received_at", nullable = false)
    public Instant receivedAt;
}
