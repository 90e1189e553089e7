package dev.forgeline.review.domain;

import jakarta.persistence.Column;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** The review of one succeeded attempt, from its result to the merge or rejection. */
@Entity
@Table(name = "review")
public class Review {
    @EmbeddedId
    public TaskAttemptKey id;

    public int attempt;
    public String repository;
    @Column(name = "base_branch")
    public String baseBranch;
    public String branch;
    @Column(name = "base_commit")
    public String baseCommit;
    public String commit;

    /** Recomputed with git at triage (never the worker's numbers). */
    @Column(name = "lines_added")
    public Integer linesAdded;
    @Column(name = "lines_removed")
    public Integer linesRemoved;
    @Column(name = "files_changed")
    public Integer filesChanged;

    @Column(name = "tests_ran")
    public boolean testsRan;
    @Column(name = "tests_passed")
    public boolean testsPassed;

    public Integer level;
    /** Replaced, never mutated in place, so that Hibernate sees the change. */
    @JdbcTypeCode(SqlTypes.ARRAY)
    public List<String> reasons = new ArrayList<>();

    @Enumerated(EnumType.STRING)
    public ReviewState state;

    @Column(name = "merge_commit")
    public String mergeCommit;
    @Column(name = "lines_merged")
    public Integer linesMerged;

    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "accepted_at")
    public Instant acceptedAt;
    @Column(name = "decided_at")
    public Instant decidedAt;
    @Column(name = "decided_by")
    public String decidedBy;
    @Column(name = "decision_reason")
    public String decisionReason;

    public String specId() {
        return id.specId;
    }

    public String taskId() {
        return id.taskId;
    }

    public long fencingToken() {
        return id.fencingToken;
    }
}
