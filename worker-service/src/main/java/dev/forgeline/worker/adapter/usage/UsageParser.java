package dev.forgeline.worker.adapter.usage;

/**
 * Reads an agent CLI's output line by line (unmasked, in memory only) and tells what it used. Not thread-safe on
 * its own: the process runner feeds it from one reader thread; {@link #tokensSoFar()} may be read from others.
 */
public interface UsageParser {
    void accept(String line);

    /** Tokens counted so far, for heartbeats while the agent runs. */
    long tokensSoFar();

    /** The usage once the agent has exited. */
    ParsedUsage finish();
}
