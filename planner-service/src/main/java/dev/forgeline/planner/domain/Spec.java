package dev.forgeline.planner.domain;

import java.time.Instant;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A submitted spec: where its tasks run and the text it was created from. */
@Entity
@Table(name = "spec")
public class Spec {
    @Id
    public String id;

    @Column(nullable = false)
    public String name;

    /** Absolute, normalised path of the target git repository. */
    @Column(nullable = false)
    public String repository;

    @Column(name = "base_branch", nullable = false)
    public String baseBranch;

    @Column(name = "source_markdown", nullable = false)
    public String sourceMarkdown;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** The format the spec was read as (its wire name: forgeline, speckit, kiro, freeform). */
    @Column(nullable = false)
    public String format;

    /** 1 for the first submission; each re-submission under the same name adds one. */
    @Column(nullable = false)
    public int revision;

    /** Test command of tasks whose format names none (spec-kit, Kiro), or null. */
    @Column(name = "default_test_command")
    public String defaultTestCommand;

    /** The project the spec belongs to; revisions keep it. */
    @Column(nullable = false)
    public String project;

    /**
     * The identity name that submitted the spec ({@code anonymous} with authentication off); revisions keep it. Null
     * for specs from before it was recorded.
     */
    @Column(name = "submitted_by")
    public String submittedBy;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
