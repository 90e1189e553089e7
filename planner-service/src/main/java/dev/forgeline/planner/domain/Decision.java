package dev.forgeline.planner.domain;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import dev.forgeline.contracts.DecisionKind;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** Something the planner asked a person to decide about a task, and what they decided. */
@Entity
@Table(name = "decision")
public class Decision {
    @Id
    public UUID id;

    @Column(name = "spec_id", nullable = false)
    public String specId;

    @Column(name = "task_id", nullable = false)
    public String taskId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public DecisionKind kind;

    /** What the person is asked, in a sentence. */
    @Column(nullable = false)
    public String question;

    /**
     * What the task lacks (for SPEC_QUALITY), what went wrong (AMBIGUOUS_SPEC, SPLIT), the waiting tasks
     * (BLOCKED_BY_FAILURE), or what an agent's follow-up asked for (PROPOSAL_APPROVAL: "test command: ...").
     */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public List<String> missing;

    @Column(name = "requested_at", nullable = false)
    public Instant requestedAt;

    /** null while the decision is open. */
    @Column(name = "decided_at")
    public Instant decidedAt;

    @Column(name = "decided_by")
    public String decidedBy;

    /**
     * AMENDED, OVERRIDDEN, SPLIT; RETRIED, SKIPPED, CANCELLED (BLOCKED_BY_FAILURE); APPROVED, STRIPPED, DROPPED
     * (PROPOSAL_APPROVAL); REPLACED when a newer request superseded it.
     */
    @Column
    public String outcome;

    /**
     * For BLOCKED_BY_FAILURE: the state the blocking task ended in (FAILED, REJECTED or CANCELLED) before it waited
     * for the decision.
     */
    @Enumerated(EnumType.STRING)
    @Column(name = "blocker_state")
    public dev.forgeline.contracts.TaskState blockerState;

    /** The override's reason. */
    @Column
    public String note;
}
