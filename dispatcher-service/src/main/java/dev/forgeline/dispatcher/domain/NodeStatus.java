package dev.forgeline.dispatcher.domain;

/**
 * Whether a node takes new leases. Only READY nodes do. DRAINING and CORDONED nodes finish what they run;
 * a DEAD node missed its heartbeats and its leases were orphaned.
 */
public enum NodeStatus {
    READY,
    DRAINING,
    CORDONED,
    DEAD
}
