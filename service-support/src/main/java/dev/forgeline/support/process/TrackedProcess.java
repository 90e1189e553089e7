package dev.forgeline.support.process;

import java.util.Optional;

/**
 * A child process the worker started, written down so that a later run of the worker can find what is left of it
 * after this run died: the process leads its own session and process group (started through {@code setsid}), so
 * everything it spawned shares its group or session even once re-parented to init.
 *
 * @param pid          the process, leader of its own session and group
 * @param processGroup its process group id, equal to {@code pid} when it leads its own group; 0 when it could not
 *                     be given one (no {@code setsid}): then only the process itself can be found again
 * @param startTicks   its start time in clock ticks since boot ({@code /proc/<pid>/stat} field 22)
 * @param bootId       the boot it was started in; after a reboot nothing of it survives
 */
public record TrackedProcess(long pid, long processGroup, long startTicks, String bootId) {

    /** Whether the process leads a group of its own, which may be signalled as a whole. */
    public boolean ownGroup() {
        return processGroup > 0 && processGroup == pid;
    }

    /** One line of an attempt's process record. */
    public String toLine() {
        return pid + " " + processGroup + " " + startTicks + " " + bootId;
    }

    /** Reads a line written by {@link #toLine()}; empty for anything else. */
    public static Optional<TrackedProcess> fromLine(String line) {
        String[] parts = line.strip().split(" +");
        if (parts.length != 4) {
            return Optional.empty();
        }
        try {
            return Optional.of(new TrackedProcess(
                    Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]), parts[3]));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Describes a process just started by this JVM, if {@code /proc} can tell (Linux) and it has not already ended.
     */
    public static Optional<TrackedProcess> of(long pid) {
        Optional<String> boot = ProcStat.bootId();
        if (boot.isEmpty()) {
            return Optional.empty();
        }
        return ProcStat.of(pid)
                .map(stat ->
                        new TrackedProcess(pid, stat.processGroup() == pid ? pid : 0, stat.startTicks(), boot.get()));
    }
}
