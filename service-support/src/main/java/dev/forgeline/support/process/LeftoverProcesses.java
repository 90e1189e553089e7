package dev.forgeline.support.process;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

/**
 * Finds and kills what is left of processes the worker started: each was started leading its own session and
 * process group, so whatever it spawned is found by its group or session id even after the leader died and the
 * rest was re-parented to init. Only processes that provably belong to the recorded one are touched:
 * <ul>
 * <li>a record of another boot names nothing (the machine restarted; nothing of it survives);</li>
 * <li>a live process with the recorded pid but another start time is someone else (a reused pid): the recorded
 * group is gone, since Linux never hands out a pid whose group or session still has members;</li>
 * <li>members must have started no earlier than the recorded leader.</li>
 * </ul>
 * Needs Linux's {@code /proc}; elsewhere nothing is found ({@link ProcStat#available()}).
 */
public final class LeftoverProcesses {
    private static final Logger LOG = Logger.getLogger(LeftoverProcesses.class);
    private static final long POLL_MILLIS = 50;

    private LeftoverProcesses() {}

    /** A process that was killed, or could not be. */
    public record Found(long pid, String command) {
        @Override
        public String toString() {
            return pid + " " + command;
        }
    }

    /**
     * The outcome of a kill.
     *
     * @param killed    the processes found and gone afterwards
     * @param surviving the processes still alive when the wait ended
     */
    public record Outcome(List<Found> killed, List<Found> surviving) {
        public static final Outcome NOTHING = new Outcome(List.of(), List.of());
    }

    /** The live processes of the machine that belong to a recorded one (itself and its group and session). */
    public static List<ProcStat> survivors(TrackedProcess record, String currentBootId, Collection<ProcStat> all) {
        if (currentBootId == null || !currentBootId.equals(record.bootId())) {
            return List.of();
        }
        Optional<ProcStat> holder =
                all.stream().filter(p -> p.pid() == record.pid()).findFirst();
        if (holder.isPresent() && holder.get().startTicks() != record.startTicks()) {
            return List.of();
        }
        long self = ProcessHandle.current().pid();
        return all.stream()
                .filter(p -> p.pid() != self && !p.zombie())
                .filter(p -> p.pid() == record.pid()
                        || (record.ownGroup()
                                && (p.processGroup() == record.processGroup() || p.session() == record.processGroup())
                                && p.startTicks() >= record.startTicks()))
                .toList();
    }

    /**
     * Kills every live process that belongs to the records: SIGTERM to each group and member, then after
     * {@code grace} SIGKILL until none is left or {@code bound} has passed. Processes forked meanwhile are found
     * by the next look.
     */
    public static Outcome kill(Collection<TrackedProcess> records, Duration grace, Duration bound) {
        if (records.isEmpty() || !ProcStat.available()) {
            return Outcome.NOTHING;
        }
        String boot = ProcStat.bootId().orElse(null);
        Map<Long, Found> found = new LinkedHashMap<>();
        long start = System.nanoTime();
        boolean forced = grace.isZero() || grace.isNegative();
        List<ProcStat> alive = look(records, boot, found);
        if (alive.isEmpty()) {
            return Outcome.NOTHING;
        }
        signal(records, alive, forced);
        while (true) {
            alive = look(records, boot, found);
            long elapsed = System.nanoTime() - start;
            if (alive.isEmpty() || elapsed >= bound.toNanos()) {
                break;
            }
            if (!forced && elapsed >= grace.toNanos()) {
                forced = true;
                LOG.infof("%d processes still alive after SIGTERM: sending SIGKILL", alive.size());
            }
            // repeat the signal: a member forked since the last look has not had it yet
            signal(records, alive, forced);
            try {
                TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        var survivingPids = alive.stream().map(ProcStat::pid).collect(Collectors.toSet());
        List<Found> killed = new ArrayList<>();
        List<Found> surviving = new ArrayList<>();
        found.values().forEach(f -> (survivingPids.contains(f.pid()) ? surviving : killed).add(f));
        return new Outcome(killed, surviving);
    }

    private static List<ProcStat> look(Collection<TrackedProcess> records, String boot, Map<Long, Found> found) {
        List<ProcStat> all = ProcStat.all();
        Map<Long, ProcStat> alive = new LinkedHashMap<>();
        for (TrackedProcess record : records) {
            for (ProcStat p : survivors(record, boot, all)) {
                alive.put(p.pid(), p);
                found.putIfAbsent(p.pid(), new Found(p.pid(), p.command()));
            }
        }
        return List.copyOf(alive.values());
    }

    private static void signal(Collection<TrackedProcess> records, List<ProcStat> alive, boolean forced) {
        for (TrackedProcess record : records) {
            // the whole group at once: kill -- -pgid; only for a group that still has a verified member
            if (record.ownGroup() && alive.stream().anyMatch(p -> p.processGroup() == record.processGroup())) {
                signalGroup(record.processGroup(), forced ? "KILL" : "TERM");
            }
        }
        for (ProcStat p : alive) {
            // ProcessHandle checks the start time before it signals: a pid reused meanwhile is left alone
            ProcessHandle.of(p.pid()).ifPresent(h -> {
                if (forced) {
                    h.destroyForcibly();
                } else {
                    h.destroy();
                }
            });
        }
    }

    private static void signalGroup(long processGroup, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-s", signal, "--", "-" + processGroup)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!kill.waitFor(5, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            // no kill command: the members are signalled one by one
            LOG.debugf("kill -%s -- -%d failed: %s", signal, processGroup, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
