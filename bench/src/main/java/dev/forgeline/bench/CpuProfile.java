package dev.forgeline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the dispatcher's own CPU goes during a window of a run ({@code --profile}): the dispatcher JVM runs a Java
 * Flight Recording with the JDK's {@code profile} settings (a Java execution sample of each running thread every
 * 10 ms, native samples every 20 ms), the benchmark dumps it with {@code jcmd} when the window closes and reads the
 * samples taken inside the window with the JDK's {@code jdk.jfr.consumer} API. Execution samples are taken of
 * threads running Java code only; a thread waiting for the database or the broker in a socket read is a native
 * sample, counted apart.
 */
final class CpuProfile {
    static final int TOP = 12;
    private static final String RECORDING = "forgeline-bench";

    /** Counts of samples by key, most first. */
    record Ranked(List<Map.Entry<String, Integer>> entries) {}

    /** CPU a group of threads used, and how long they waited for a CPU while runnable. */
    record ThreadCpu(String name, double seconds, double runQueueSeconds) {}

    record Report(
            long windowMs,
            List<ThreadCpu> threadSeconds,
            int executionSamples,
            int nativeSamples,
            Ranked byThread,
            Ranked selfFrames,
            Ranked innermostForgeline,
            Ranked forgelineInclusive,
            Ranked nativeByThread) {}

    private final Path recording;
    private Instant openedAt;
    private Map<Long, ProcessCpu.ThreadTime> threadsAtOpen = Map.of();

    CpuProfile(Path work) {
        this.recording = work.resolve("dispatcher.jfr");
    }

    /** The JVM options that make the dispatcher record. */
    List<String> jvmOptions() {
        return List.of("-XX:StartFlightRecording=name=" + RECORDING + ",settings=profile,disk=true");
    }

    /** Opens the window: the dispatcher's threads' CPU time so far. */
    void open(long pid) {
        openedAt = Instant.now();
        threadsAtOpen = ProcessCpu.threads(pid);
    }

    /**
     * Closes the window: each thread's CPU time since {@link #open}, then the recording dumped and the samples taken
     * inside the window read.
     */
    Report close(long pid) throws IOException, InterruptedException {
        Instant from = openedAt;
        Instant to = Instant.now();
        Map<String, double[]> threadSeconds = new HashMap<>();
        ProcessCpu.threads(pid).forEach((tid, now) -> {
            ProcessCpu.ThreadTime before = threadsAtOpen.get(tid);
            double used = now.seconds() - (before == null ? 0 : before.seconds());
            double waited = now.runQueueSeconds() - (before == null ? 0 : before.runQueueSeconds());
            if (used > 0 || waited > 0.001) {
                double[] sum =
                        threadSeconds.computeIfAbsent(now.name().replaceAll("[-#]?\\d+$", "-N"), name -> new double[2]);
                sum[0] += used;
                sum[1] += waited;
            }
        });
        List<ThreadCpu> cpuByThread = threadSeconds.entrySet().stream()
                .map(e -> new ThreadCpu(e.getKey(), e.getValue()[0], e.getValue()[1]))
                .sorted(Comparator.comparingDouble(ThreadCpu::seconds).reversed())
                .toList();
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process dump = new ProcessBuilder(
                        jcmd.toString(),
                        String.valueOf(pid),
                        "JFR.dump",
                        "name=" + RECORDING,
                        "filename=" + recording.toAbsolutePath())
                .redirectErrorStream(true)
                .start();
        String output = new String(dump.getInputStream().readAllBytes());
        if (!dump.waitFor(2, TimeUnit.MINUTES) || dump.exitValue() != 0 || !Files.isRegularFile(recording)) {
            throw new IllegalStateException("jcmd JFR.dump of the dispatcher failed: " + output.strip());
        }
        Map<String, Integer> byThread = new HashMap<>();
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        Map<String, Integer> deepest = new HashMap<>();
        Map<String, Integer> nativeByThread = new HashMap<>();
        int execution = 0;
        int natives = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            Instant at = event.getStartTime();
            if (at.isBefore(from) || at.isAfter(to)) {
                continue;
            }
            String type = event.getEventType().getName();
            boolean executionSample = type.equals("jdk.ExecutionSample");
            if (!executionSample && !type.equals("jdk.NativeMethodSample")) {
                continue;
            }
            String thread = threadGroup(event);
            if (!executionSample) {
                natives++;
                nativeByThread.merge(thread, 1, Integer::sum);
                continue;
            }
            execution++;
            byThread.merge(thread, 1, Integer::sum);
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            self.merge(name(stack.getFrames().get(0)), 1, Integer::sum);
            Set<String> ours = new LinkedHashSet<>();
            for (RecordedFrame frame : stack.getFrames()) {
                if (ours(frame)) {
                    ours.add(name(frame));
                }
            }
            ours.forEach(method -> inclusive.merge(method, 1, Integer::sum));
            // the innermost Forgeline method: what of ours the library frames above it work for
            deepest.merge(
                    ours.isEmpty() ? "(no Forgeline frame)" : ours.iterator().next(), 1, Integer::sum);
        }
        return new Report(
                to.toEpochMilli() - from.toEpochMilli(),
                List.copyOf(cpuByThread.subList(0, Math.min(TOP, cpuByThread.size()))),
                execution,
                natives,
                ranked(byThread),
                ranked(self),
                ranked(deepest),
                ranked(inclusive),
                ranked(nativeByThread));
    }

    static String table(Report report) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "dispatcher threads in the window (%d ms), from /proc: %.2f s of CPU in all, %.2f s runnable but waiting"
                        + " for a CPU%n",
                report.windowMs(),
                report.threadSeconds().stream().mapToDouble(ThreadCpu::seconds).sum(),
                report.threadSeconds().stream()
                        .mapToDouble(ThreadCpu::runQueueSeconds)
                        .sum()));
        for (ThreadCpu thread : report.threadSeconds()) {
            out.append(String.format(
                    Locale.ROOT,
                    "    %6.2f s CPU (%5.1f %% of the window), %6.2f s waiting for a CPU  %s%n",
                    thread.seconds(),
                    100.0 * thread.seconds() * 1000 / Math.max(1, report.windowMs()),
                    thread.runQueueSeconds(),
                    thread.name()));
        }
        out.append(String.format(
                Locale.ROOT,
                "dispatcher JFR samples in the window: %d Java execution samples (threads running Java code), %d"
                        + " native samples (threads in native code, mostly waiting: epoll, socket reads)%n",
                report.executionSamples(),
                report.nativeSamples()));
        section(out, "execution samples by thread", report.byThread(), report.executionSamples());
        section(out, "hottest frames (self)", report.selfFrames(), report.executionSamples());
        section(
                out,
                "innermost Forgeline method (what the library frames above it work for)",
                report.innermostForgeline(),
                report.executionSamples());
        section(
                out,
                "Forgeline methods on the stack (inclusive)",
                report.forgelineInclusive(),
                report.executionSamples());
        section(out, "native samples by thread", report.nativeByThread(), report.nativeSamples());
        return out.toString();
    }

    private static void section(StringBuilder out, String title, Ranked ranked, int total) {
        out.append("  ").append(title).append(':').append(System.lineSeparator());
        for (Map.Entry<String, Integer> entry : ranked.entries()) {
            out.append(String.format(
                    Locale.ROOT,
                    "    %6d  %5.1f %%  %s%n",
                    entry.getValue(),
                    total == 0 ? 0.0 : 100.0 * entry.getValue() / total,
                    entry.getKey()));
        }
    }

    private static Ranked ranked(Map<String, Integer> counts) {
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(counts.entrySet());
        entries.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
        return new Ranked(List.copyOf(entries.subList(0, Math.min(TOP, entries.size()))));
    }

    /** A thread's name without its number, so that a pool's threads count together. */
    private static String threadGroup(RecordedEvent event) {
        var thread = event.getThread("sampledThread");
        String name = thread == null ? null : thread.getJavaName();
        return name == null ? "(unknown)" : name.replaceAll("[-#]?\\d+$", "-N");
    }

    /** A frame of Forgeline's own code, leaving out what CDI and lambdas generate around it. */
    private static boolean ours(RecordedFrame frame) {
        if (!frame.isJavaFrame()) {
            return false;
        }
        String type = frame.getMethod().getType().getName();
        String method = frame.getMethod().getName();
        String simple = type.substring(type.lastIndexOf('.') + 1);
        return type.startsWith("dev.forgeline.")
                && !type.contains("_Subclass")
                && !type.contains("_ClientProxy")
                && !type.contains("$$")
                && !method.contains("$$")
                && !method.startsWith("lambda$")
                && !simple.chars().allMatch(Character::isDigit);
    }

    private static String name(RecordedFrame frame) {
        String type = frame.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "."
                + frame.getMethod().getName();
    }
}
