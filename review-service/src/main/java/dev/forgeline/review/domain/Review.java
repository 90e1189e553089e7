package dev.forgeline.review.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import jakarta.persistence.Column;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Table;

import dev.forgeline.contracts.FailureClass;
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

    /** The project of the task's spec. */
    public String project;

    /** Who submitted the task's spec (from its TaskResult); null when unknown. */
    @Column(name = "submitted_by")
    public String submittedBy;

    @Column(name = "base_branch")
    public String baseBranch;

    public String branch;

    /** The ref on the remote holding {@link #commit}; null for rows older than it: {@code refs/heads/<branch>}. */
    @Column(name = "fetch_ref")
    public String fetchRef;

    public String fetchRef() {
        return fetchRef != null ? fetchRef : "refs/heads/" + branch;
    }

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

    /** When a person's review was requested (triage): the decision lag starts here. */
    @Column(name = "requested_at")
    public Instant requestedAt;

    @Enumerated(EnumType.STRING)
    @Column(name = "failure_class")
    public FailureClass failureClass;

    /** Identifies the merge for {@code POST /merges/{id}/revert}. */
    @Column(name = "merge_id")
    public UUID mergeId;

    @Enumerated(EnumType.STRING)
    @Column(name = "verify_state")
    public VerifyState verifyState;

    @Column(name = "verify_command")
    public String verifyCommand;

    @Column(name = "verify_output")
    public String verifyOutput;

    @Column(name = "verified_at")
    public Instant verifiedAt;

    @Column(name = "revert_commit")
    public String revertCommit;

    @Column(name = "reverted_at")
    public Instant revertedAt;

    @Column(name = "reverted_by")
    public String revertedBy;
    /** red_main or manual */
    @Column(name = "revert_trigger")
    public String revertTrigger;

    @Column(name = "revert_reason")
    public String revertReason;

    @Column(name = "test_command")
    public String testCommand;

    @Column(name = "test_exit_code")
    public Integer testExitCode;

    @Column(name = "test_duration_millis")
    public Long testDurationMillis;

    @Column(name = "test_output_tail")
    public String testOutputTail;

    @Column(name = "lint_command")
    public String lintCommand;

    @Column(name = "lint_passed")
    public Boolean lintPassed;

    @Column(name = "lint_output_tail")
    public String lintOutputTail;

    @Column(name = "cost_usd")
    public BigDecimal costUsd;

    @Column(name = "cost_estimated")
    public boolean costEstimated;

    @Column(name = "input_tokens")
    public Long inputTokens;

    @Column(name = "output_tokens")
    public Long outputTokens;

    @Column(name = "agent_profile")
    public String agentProfile;

    public String model;

    @Column(name = "compute_millis")
    public Long computeMillis;

    @Column(name = "node_name")
    public String nodeName;

    /** The worker's flags and the review's own findings ({@code FLAG: path}). Replaced, never mutated. */
    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "verification_flags")
    public List<String> verificationFlags = new ArrayList<>();
    /** The unified diff, secret-like values masked. */
    @Column(name = "diff_patch")
    public String diffPatch;
    /** A CHANGES_REQUESTED review whose reworked attempt reached review (its REQUEST_CHANGES lag was recorded). */
    @Column(name = "changes_followed_up")
    public boolean changesFollowedUp;

    /** Merge mode pull-request: the pull request (merge request) on the hosting service, once opened. */
    @Column(name = "pull_request_number")
    public Integer pullRequestNumber;

    @Column(name = "pull_request_url")
    public String pullRequestUrl;

    /** Why the pull request waits, or what went wrong the last time it was looked at. */
    @Column(name = "pull_request_status")
    public String pullRequestStatus;

    /** Merge mode pull-request: the revert pull request of this merge, while it is open. */
    @Column(name = "revert_pull_request_number")
    public Integer revertPullRequestNumber;

    @Column(name = "revert_pull_request_url")
    public String revertPullRequestUrl;

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
