package dev.forgeline.dispatcher.domain;

/** The rows of the dispatcher_counter table. */
public enum Counter {
    LEASES_GRANTED("leases_granted"),
    STALE_HEARTBEATS("stale_heartbeats"),
    STALE_RESULTS("stale_results"),
    ORPHANED("orphaned"),
    TIMED_OUT("timed_out");

    private final String column;

    Counter(String column) {
        this.column = column;
    }

    public String rowName() {
        return column;
    }
}
