package dev.forgeline.systemtest;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The soak's sizes, the specs it submits and the figures it prints, side by side with the table reported from the
 * field (product brief: 2,847 tasks over six months).
 */
final class Soak {
    /** Tasks of one spec: eight independent ones, a ninth on the first two, a tenth on the ninth. */
    static final int TASKS_PER_SPEC = 10;

    /** Failure classes grouped as the field table groups them, in its order. */
    static final Map<String, Set<String>> FIELD_CLASSES = fieldClasses();

    /** The field's permanent failures by group (287 in all: 34 %, 21 %, 18 %, 12 %, 9 %, 6 %). */
    static final Map<String, Integer> FIELD_PERMANENT = Map.of(
            "orphaned or timed out",
            98,
            "dependency resolution",
            60,
            "test failure",
            52,
            "network",
            34,
            "context exhaustion",
            26,
            "ambiguous spec / agent crash",
            17);

    private Soak() {}

    private static Map<String, Set<String>> fieldClasses() {
        Map<String, Set<String>> classes = new LinkedHashMap<>();
        classes.put("orphaned or timed out", Set.of("ORPHANED", "TIMEOUT"));
        classes.put("dependency resolution", Set.of("DEPENDENCY_RESOLUTION"));
        classes.put("test failure", Set.of("TEST_FAILURE"));
        classes.put("network", Set.of("NETWORK"));
        classes.put("context exhaustion", Set.of("CONTEXT_EXHAUSTED"));
        // the simulated field profile stands an agent crash for an ambiguous spec (an agent cannot tell them apart)
        classes.put("ambiguous spec / agent crash", Set.of("AMBIGUOUS_SPEC", "AGENT_ERROR"));
        return classes;
    }

    /**
     * How big a run is: {@code -Dsoak.tasks}, {@code -Dsoak.seed}, {@code -Dsoak.workers} (worker nodes),
     * {@code -Dsoak.faults} (most faults injected), {@code -Dsoak.fault-interval} (mean seconds between faults) and
     * {@code -Dsoak.preset=field-replay} (2,847 tasks on three nodes). Without any: the short version CI runs.
     */
    record Settings(String name, int tasks, long seed, int workers, int maxFaults, Duration meanFaultInterval) {
        static Settings fromSystemProperties() {
            String preset = System.getProperty("soak.preset", "");
            Settings base = switch (preset) {
                case "" ->
                    System.getProperty("soak.tasks") == null
                            ? new Settings("short", 60, 42, 2, 3, Duration.ofSeconds(20))
                            : new Settings("soak", 1000, 42, 3, 1000, Duration.ofSeconds(30));
                case "field-replay" -> new Settings("field-replay", 2847, 42, 3, 10_000, Duration.ofSeconds(30));
                default ->
                    throw new IllegalArgumentException(
                            "-Dsoak.preset=" + preset + " is not a preset: use field-replay, or no preset");
            };
            return new Settings(
                    base.name(),
                    Integer.getInteger("soak.tasks", base.tasks()),
                    Long.getLong("soak.seed", base.seed()),
                    Integer.getInteger("soak.workers", base.workers()),
                    Integer.getInteger("soak.faults", base.maxFaults()),
                    Duration.ofSeconds(Integer.getInteger("soak.fault-interval", (int)
                            base.meanFaultInterval().toSeconds())));
        }

        Settings {
            if (tasks < 1) {
                throw new IllegalArgumentException("-Dsoak.tasks=" + tasks + ": at least one task");
            }
            if (workers < 1) {
                throw new IllegalArgumentException("-Dsoak.workers=" + workers + ": at least one worker node");
            }
        }

        /** The number of specs: tasks in specs of {@link #TASKS_PER_SPEC}, the last one possibly smaller. */
        int specs() {
            return (tasks + TASKS_PER_SPEC - 1) / TASKS_PER_SPEC;
        }
    }

    /** Spec {@code index} with {@code size} tasks for the simulated agent, whose tests pass unless a fault is drawn. */
    static String spec(int index, int size) {
        StringBuilder spec = new StringBuilder("# Spec: Soak " + index + "\nBase-branch: main\n");
        for (int t = 1; t <= size; t++) {
            spec.append("\n## Task: T")
                    .append(t)
                    .append(" - Part ")
                    .append(t)
                    .append("\nAdd the shell function of part ")
                    .append(t)
                    .append(" in lib/t")
                    .append(t)
                    .append(".sh, which prints the line of part ")
                    .append(t)
                    .append(", and its test in test/t")
                    .append(t)
                    .append("_test.sh.\n");
            if (t == 9) {
                spec.append("Depends-on: T1, T2\n");
            } else if (t == 10) {
                spec.append("Depends-on: T9\n");
            }
            spec.append("Acceptance: prints part ")
                    .append(t)
                    .append("\nTest command: sh test/t")
                    .append(t)
                    .append("_test.sh\nEstimate: 3m\n");
        }
        return spec.toString();
    }

    /**
     * Slot time held by leases whose worker was gone, from the dispatcher's lease data and the fault log.
     *
     * @param heldAfterGoneSeconds slot-seconds leases were held after their worker was killed or frozen (or, for an
     *                             orphaned lease whose worker no fault touched, after its last heartbeat)
     * @param zombieSeconds        the part of that beyond the detection bound, outside outages of the dispatcher, the
     *                             broker or the database (while they are down nobody can end a lease)
     * @param leasesAfterGone      leases held after their worker was gone
     */
    record SlotsHeld(double heldAfterGoneSeconds, double zombieSeconds, int leasesAfterGone, double longestSeconds) {}

    static SlotsHeld slotsHeld(
            List<HistoryChecker.TaskHistory> tasks,
            List<FaultInjector.Injected> faults,
            Duration detectionBound,
            Instant runEnd) {
        double held = 0;
        double zombie = 0;
        double longest = 0;
        int leases = 0;
        List<FaultInjector.Injected> outages = faults.stream()
                .filter(f -> Set.of(
                                FaultInjector.Kind.DISPATCHER_KILL,
                                FaultInjector.Kind.BROKER_KILL,
                                FaultInjector.Kind.DATABASE_KILL)
                        .contains(f.kind()))
                .toList();
        for (HistoryChecker.TaskHistory task : tasks) {
            for (HistoryChecker.LeaseRecord lease : task.leases()) {
                Instant end = lease.endedAt() == null ? runEnd : lease.endedAt();
                Instant gone = null;
                for (FaultInjector.Injected f : faults) {
                    boolean workerFault =
                            f.kind() == FaultInjector.Kind.WORKER_KILL || f.kind() == FaultInjector.Kind.WORKER_SIGSTOP;
                    if (workerFault
                            && f.target().equals(lease.nodeName())
                            && !f.goneAt().isBefore(lease.leasedAt())
                            && f.goneAt().isBefore(end)
                            && (gone == null || f.goneAt().isBefore(gone))) {
                        gone = f.goneAt();
                    }
                }
                if (gone == null && lease.outcome().equals("ORPHANED")) {
                    gone = lease.lastHeartbeatAt() == null ? lease.leasedAt() : lease.lastHeartbeatAt();
                }
                if (gone == null || !end.isAfter(gone)) {
                    continue;
                }
                double seconds = Duration.between(gone, end).toMillis() / 1000.0;
                double outage = 0;
                for (FaultInjector.Injected o : outages) {
                    Instant from = o.goneAt().isAfter(gone) ? o.goneAt() : gone;
                    Instant to = o.backAt().isBefore(end) ? o.backAt() : end;
                    if (to.isAfter(from)) {
                        outage += Duration.between(from, to).toMillis() / 1000.0;
                    }
                }
                leases++;
                held += seconds;
                longest = Math.max(longest, seconds);
                zombie += Math.max(0, seconds - outage - detectionBound.toMillis() / 1000.0);
            }
        }
        return new SlotsHeld(held, zombie, leases, longest);
    }

    /** The figures of a run, side by side with the field's. */
    static String figures(
            Settings settings,
            List<HistoryChecker.Report> reports,
            Map<FaultInjector.Kind, Integer> faults,
            List<String> violations,
            SlotsHeld slots,
            Duration detectionBound,
            Duration elapsed) {
        List<HistoryChecker.TaskHistory> tasks =
                reports.stream().flatMap(r -> r.tasks().stream()).toList();
        int total = tasks.size();
        long firstAttempt =
                tasks.stream().filter(t -> t.merged() && t.attempts() == 1).count();
        long merged = tasks.stream().filter(HistoryChecker.TaskHistory::merged).count();
        List<HistoryChecker.TaskHistory> permanent =
                tasks.stream().filter(HistoryChecker.TaskHistory::permanent).toList();
        long neverReleased =
                tasks.stream().filter(t -> t.plannerState().equals("PLANNED")).count();
        int attempts =
                tasks.stream().mapToInt(HistoryChecker.TaskHistory::attempts).sum();
        long ran = tasks.stream().filter(t -> t.attempts() > 0).count();
        int maxAttempts = tasks.stream()
                .mapToInt(HistoryChecker.TaskHistory::attempts)
                .max()
                .orElse(0);
        Map<Integer, Long> attemptHistogram = new java.util.TreeMap<>();
        tasks.stream().filter(t -> t.attempts() > 0).forEach(t -> attemptHistogram.merge(t.attempts(), 1L, Long::sum));

        StringBuilder text = new StringBuilder();
        text.append(String.format(
                "soak %s: %d tasks in %d specs, %d worker nodes, seed %d, %.0f s%n",
                settings.name(), total, reports.size(), settings.workers(), settings.seed(), elapsed.toMillis() / 1e3));
        String row = "  %-34s %-34s %s%n";
        text.append(String.format(row, "", "this run", "field (reported)"));
        text.append(String.format(row, "tasks", total, "2847"));
        text.append(String.format(row, "first-attempt success", percent(firstAttempt, total), "67.6 %"));
        text.append(String.format(row, "success with retries", percent(merged, total), "89.9 %"));
        text.append(String.format(
                row,
                "permanent failures",
                permanent.size() + " (" + percent(permanent.size(), total) + ")",
                "287 (10.1 %)"));
        for (Map.Entry<String, Set<String>> group : FIELD_CLASSES.entrySet()) {
            long count = permanent.stream()
                    .filter(t -> group.getValue().contains(t.failureClass()))
                    .count();
            text.append(String.format(row, "  " + group.getKey(), count, FIELD_PERMANENT.get(group.getKey())));
        }
        long otherClasses = permanent.stream()
                .filter(t -> FIELD_CLASSES.values().stream().noneMatch(g -> g.contains(t.failureClass())))
                .count();
        if (otherClasses > 0) {
            text.append(String.format(row, "  other classes", otherClasses, "-"));
        }
        text.append(String.format(row, "never released (dependency failed)", neverReleased, "-"));
        text.append(String.format(
                row,
                "attempts per task run",
                String.format(
                        "%.2f (max %d) %s", ran == 0 ? 0.0 : (double) attempts / ran, maxAttempts, attemptHistogram),
                "-"));
        text.append(String.format(row, "faults injected", faults, "-"));
        text.append(String.format(row, "violations", violations.size(), "-"));
        text.append(String.format(
                row,
                "zombie slot-seconds",
                String.format("%.1f", slots.zombieSeconds()),
                "hung agents held slots for ever"));
        text.append(String.format(
                row,
                "  slot-s held after worker gone",
                String.format(
                        "%.1f in %d leases (longest %.1f s; bound %d s)",
                        slots.heldAfterGoneSeconds(),
                        slots.leasesAfterGone(),
                        slots.longestSeconds(),
                        detectionBound.toSeconds()),
                "-"));
        List<String> goals = new ArrayList<>();
        long lostToOrphaningOrNetwork = permanent.stream()
                .filter(t -> Set.of("ORPHANED", "NETWORK").contains(t.failureClass()))
                .count();
        goals.add("orphaning and network loss cause no permanent failure: "
                + (lostToOrphaningOrNetwork == 0 ? "met" : "NOT met (" + lostToOrphaningOrNetwork + ")"));
        goals.add("success with retries above 95 %: " + (merged * 100.0 / total > 95 ? "met" : "NOT met"));
        goals.add("zero zombie slot-seconds: " + (slots.zombieSeconds() == 0 ? "met" : "NOT met"));
        goals.forEach(g -> text.append("  goal: ").append(g).append('\n'));
        violations.forEach(v -> text.append("  VIOLATION: ").append(v).append('\n'));
        return text.toString();
    }

    static String percent(long part, long whole) {
        return whole == 0 ? "-" : String.format("%.1f %%", part * 100.0 / whole);
    }
}
