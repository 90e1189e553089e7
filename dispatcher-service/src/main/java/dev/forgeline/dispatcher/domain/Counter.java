package dev.forgeline.dispatcher.domain;

/** The rows of the dispatcher_counter table. */
public enum Counter {
    LEASES_GRANTED("leases_granted"),
    STALE_HEARTBEATS("stale_heartbeats"),
    STALE_RESULTS("stale_results"),
    ORPHANED("orphaned"),
    TIMED_OUT("timed_out"),
    STALE_ACKS("stale_acks"),
    RETRIES("retries"),
    PERMANENT_FAILURES("permanent_failures"),
    CANCELLED("cancelled"),
    SWEPT("swept"),
    NODES_DEAD("nodes_dead"),
    REFUSED_NODE_HEARTBEATS("refused_node_heartbeats");

    private final String column;

    Counter(String column) {
        this.column = column;
    }

    public String rowName() {
        return column;
    }
}
