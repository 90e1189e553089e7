package dev.forgeline.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of processes from {@code /proc/<pid>/stat} (Linux): user + system time of all their threads, counted by the
 * kernel in clock ticks of 1/100 s (USER_HZ, 100 on Linux on every common architecture).
 */
final class ProcessCpu {
    private ProcessCpu() {}

    /** The process's own user + system time so far, in seconds. */
    static double seconds(long pid, String name) {
        long[] times = ticks(pid, name);
        return (times[0] + times[1]) / 100.0;
    }

    /**
     * A PostgreSQL server's CPU time so far, in seconds: the postmaster's own, that of its exited children it has
     * waited for (backends of closed connections, counted by the kernel in the postmaster's cutime and cstime), and
     * that of every live child (backends, checkpointer, WAL writer, autovacuum, ...).
     *
     * @param dataDirectory the server's data directory (its {@code postmaster.pid} names the postmaster)
     */
    static double postgresSeconds(Path dataDirectory) {
        long postmaster;
        try {
            postmaster = Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid"))
                    .get(0)
                    .trim());
        } catch (IOException e) {
            throw new UncheckedIOException("no postmaster.pid in " + dataDirectory, e);
        }
        long[] own = ticks(postmaster, "postmaster");
        long sum = own[0] + own[1] + own[2] + own[3];
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.toList()) {
                String name = process.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                String[] fields = fields(process.resolve("stat"));
                // field 4 of the file (ppid) is 1 here, counting from field 3 at 0
                if (fields != null && Long.parseLong(fields[1]) == postmaster) {
                    sum += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not list /proc", e);
        }
        return sum / 100.0;
    }

    /**
     * Every live thread of a process with its user + system time so far, in seconds, by thread id; the name is the
     * kernel's (the Java thread name cut to 15 characters).
     */
    static Map<Long, ThreadTime> threads(long pid) {
        Map<Long, ThreadTime> threads = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                String text;
                try {
                    text = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended while the list was read
                }
                String name = text.substring(text.indexOf('(') + 1, text.lastIndexOf(')'));
                String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
                threads.put(
                        Long.parseLong(task.getFileName().toString()),
                        new ThreadTime(
                                name,
                                (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0,
                                runQueueSeconds(task)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not list the threads of pid " + pid, e);
        }
        return threads;
    }

    /**
     * @param seconds         user + system time
     * @param runQueueSeconds time spent runnable but waiting for a CPU (schedstat; 0 where the kernel does not
     *                        keep it)
     */
    record ThreadTime(String name, double seconds, double runQueueSeconds) {}

    /** The second field of {@code schedstat}: nanoseconds spent waiting on a run queue. */
    private static double runQueueSeconds(Path task) {
        try {
            String[] fields = Files.readString(task.resolve("schedstat")).trim().split(" ");
            return Long.parseLong(fields[1]) / 1e9;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** utime, stime, cutime, cstime in clock ticks. */
    private static long[] ticks(long pid, String name) {
        String[] fields = fields(Path.of("/proc/" + pid + "/stat"));
        if (fields == null) {
            throw new IllegalStateException("could not read the CPU time of " + name + " (pid " + pid + ")");
        }
        // fields 14 to 17 of the file (utime, stime, cutime, cstime) are 11 to 14 here, counting from field 3 at 0
        return new long[] {
            Long.parseLong(fields[11]),
            Long.parseLong(fields[12]),
            Long.parseLong(fields[13]),
            Long.parseLong(fields[14])
        };
    }

    /** The fields after the command name, or null if the process has gone. */
    private static String[] fields(Path stat) {
        String text;
        try {
            text = Files.readString(stat);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            // a process that exits while it is read: its time is then counted in its parent's cutime
            return null;
        }
        // the command name (field 2) may hold spaces: the fields after it start behind its closing parenthesis
        return text.substring(text.lastIndexOf(')') + 2).split(" ");
    }
}
