package dev.forgeline.review.domain;

import java.time.Instant;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The review backlog last announced (a single row). */
@Entity
@Table(name = "review_backlog")
public class ReviewBacklogRow {
    public static final int ID = 1;

    @Id
    public int id;

    @Column(name = "pending_high_risk")
    public int pendingHighRisk;

    @Column(name = "pending_total")
    public int pendingTotal;

    @Column(name = "daily_capacity")
    public int dailyCapacity;

    @Column(name = "hold_back")
    public boolean holdBack;

    @Column(name = "capacity_override")
    public Integer capacityOverride;

    @Column(name = "updated_at")
    public Instant updatedAt;
}
