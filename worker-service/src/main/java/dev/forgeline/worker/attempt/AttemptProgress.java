package dev.forgeline.worker.attempt;

import java.time.Instant;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.payload.TaskLeased;

/** Live state of one running attempt, read by heartbeats and {@code GET /worker}. */
public final class AttemptProgress {
    private final TaskLeased lease;
    private volatile Instant startedAt = Instant.now();
    private volatile long startedNanos = System.nanoTime();
    private volatile AttemptPhase phase = AttemptPhase.AGENT;
    private volatile String lastOutputLine = "";
    private volatile long tokensSoFar;
    private volatile FailureClass stopReason;
    private volatile String stopDetail;

    public AttemptProgress(TaskLeased lease) {
        this.lease = lease;
    }

    /** The attempt leaves the queue and starts now: elapsed time counts from here. */
    public void started() {
        startedAt = Instant.now();
        startedNanos = System.nanoTime();
    }

    public TaskLeased lease() {
        return lease;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public long elapsedMillis() {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    public AttemptPhase phase() {
        return phase;
    }

    public void phase(AttemptPhase phase) {
        this.phase = phase;
    }

    public String lastOutputLine() {
        return lastOutputLine;
    }

    /** Records a (masked) output line of the agent or the tests. */
    public void outputLine(String line) {
        if (line != null && !line.isBlank()) {
            lastOutputLine = line.length() > 500 ? line.substring(0, 500) : line;
        }
    }

    public long tokensSoFar() {
        return tokensSoFar;
    }

    public void tokensSoFar(long tokens) {
        this.tokensSoFar = tokens;
    }

    /**
     * Asks the attempt to stop now: its processes are killed and its result carries {@code reason}. The first request
     * wins.
     *
     * @return whether this request was the first
     */
    public synchronized boolean requestStop(FailureClass reason, String detail) {
        if (stopReason != null) {
            return false;
        }
        stopDetail = detail;
        stopReason = reason;
        return true;
    }

    public boolean stopRequested() {
        return stopReason != null;
    }

    public FailureClass stopReason() {
        return stopReason;
    }

    public String stopDetail() {
        return stopDetail;
    }
}
