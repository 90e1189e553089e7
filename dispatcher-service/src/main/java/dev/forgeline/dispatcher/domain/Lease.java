package dev.forgeline.dispatcher.domain;

import java.time.Instant;
import java.util.UUID;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One attempt of a task on one node, with its fencing token. Written by SQL in {@code LeaseRepository}. */
@Entity
@Table(name = "lease")
public class Lease {
    @Id
    public UUID id;

    @Column(name = "spec_id")
    public String specId;

    @Column(name = "task_id")
    public String taskId;

    @Column(name = "node_name")
    public String nodeName;

    @Column(name = "fencing_token")
    public long fencingToken;

    public int attempt;

    @Column(name = "leased_at")
    public Instant leasedAt;

    public Instant deadline;

    @Column(name = "last_heartbeat_at")
    public Instant lastHeartbeatAt;

    @Column(name = "ended_at")
    public Instant endedAt;

    @Enumerated(EnumType.STRING)
    public LeaseOutcome outcome;

    @Column(name = "agent_profile")
    public String agentProfile;
}
