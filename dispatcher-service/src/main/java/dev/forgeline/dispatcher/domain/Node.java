package dev.forgeline.dispatcher.domain;

import java.time.Instant;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import org.hibernate.annotations.ColumnTransformer;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A worker node and its slots. Read through JPA; written only by set-based SQL in {@code NodeRepository},
 * because the dispatch round locks and updates many nodes per transaction.
 */
@Entity
@Table(name = "node")
public class Node {
    @Id
    public String name;

    public int capacity;

    /** The labels as a JSON object (jsonb in the database). */
    @Column(name = "labels")
    @ColumnTransformer(read = "labels::text", write = "?::jsonb")
    public String labelsJson;

    @Column(name = "agent_profiles")
    @JdbcTypeCode(SqlTypes.ARRAY)
    public String[] agentProfiles;

    @Enumerated(EnumType.STRING)
    public NodeStatus status;

    @Column(name = "active_leases")
    public int activeLeases;

    @Column(name = "registered_at")
    public Instant registeredAt;

    @Column(name = "last_seen_at")
    public Instant lastSeenAt;

    /** LAPTOP or CLUSTER */
    public String kind;

    @Column(name = "instance_id")
    public String instanceId;

    @Column(name = "status_reason")
    public String statusReason;

    @Column(name = "node_heartbeat_at")
    public Instant nodeHeartbeatAt;

    /** The advertised agent profiles as a JSON list (jsonb in the database). */
    @Column(name = "profile_offers")
    @ColumnTransformer(read = "profile_offers::text", write = "?::jsonb")
    public String profileOffersJson;
}
