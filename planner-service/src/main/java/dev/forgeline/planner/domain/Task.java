package dev.forgeline.planner.domain;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.ProposalOrigin;
import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.contracts.TaskState;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One task of a spec: what the author asked for, and where it stands. */
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

    /** Order of the task in the spec. */
    @Column(nullable = false)
    public int position;

    @Column(nullable = false)
    public String title;

    @Column(nullable = false)
    public String description;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public List<String> acceptance;

    @Column(name = "test_command", nullable = false)
    public String testCommand;

    @Column(name = "estimate_seconds", nullable = false)
    public long estimateSeconds;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "depends_on", nullable = false)
    public List<String> dependsOn;

    @Column(nullable = false)
    public int priority;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public Map<String, String> labels;

    /** Placement requirements ({@code os=macos}); labels are metadata only. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public Map<String, String> requires;

    @Column(name = "agent_profile")
    public String agentProfile;

    /** Line of the task heading in the spec. */
    @Column(nullable = false)
    public int line;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public TaskState state;

    /** The latest attempt the planner heard of; 0 before the first lease. */
    @Column(nullable = false)
    public int attempt;

    @Enumerated(EnumType.STRING)
    @Column(name = "failure_class")
    public FailureClass failureClass;

    @Column(name = "review_level")
    public Integer reviewLevel;

    @Column(name = "merge_commit")
    public String mergeCommit;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public List<String> inputs;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public List<String> outputs;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public List<String> constraints;

    /** Files the task names; tasks of one spec naming the same file are never in flight together. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public List<String> files;

    /** For each of {@link #files}, why it counts as written ({@code Files:}, {@code writes: add}, ...). */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "file_reasons", nullable = false)
    public Map<String, String> fileReasons;

    @Enumerated(EnumType.STRING)
    @Column(name = "quality_class")
    public SpecQuality qualityClass;

    @Column(name = "quality_score", nullable = false)
    public int qualityScore;

    /** The gate's reasons as {@code CODE: detail}. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "quality_reasons", nullable = false)
    public List<String> qualityReasons;

    /** The spec revision the task's current text belongs to. */
    @Column(nullable = false)
    public int revision;

    @Enumerated(EnumType.STRING)
    @Column(name = "origin")
    public ProposalOrigin origin;

    @Column(name = "parent_task_id")
    public String parentTaskId;

    /** 0 for tasks of the spec text, parent's depth + 1 for proposed ones. */
    @Column(nullable = false)
    public int depth;

    /**
     * Who wrote the task's current text: the identity that submitted the revision which added or last changed it
     * (null when unknown, and for tasks agents proposed: those are the spec submitter's).
     */
    @Column(name = "written_by")
    public String writtenBy;

    /** Fingerprint of the task's text, to tell changed tasks in a new revision. */
    @Column(name = "text_hash", nullable = false)
    public String textHash;
}
