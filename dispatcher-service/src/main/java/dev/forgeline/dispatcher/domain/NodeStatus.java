package dev.forgeline.dispatcher.domain;

/** Whether a node takes new leases. Only ACTIVE nodes do. */
public enum NodeStatus {
    ACTIVE, DRAINING, DEAD
}
