package dev.forgeline.support.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The fields of {@code /proc/<pid>/stat} the worker needs to recognise a process it started, on Linux.
 *
 * @param state        one letter: R, S, D, Z (a zombie, dead but not yet reaped), ...
 * @param processGroup field 5
 * @param session      field 6
 * @param startTicks   field 22: when the process started, in clock ticks since boot. With the pid and the boot id
 *                     it names one process for ever: a reused pid has another start time.
 * @param command      field 2, the executable's name (at most 15 characters)
 */
public record ProcStat(
        long pid, char state, long parentPid, long processGroup, long session, long startTicks, String command) {

    private static final Path PROC = Path.of("/proc");

    /** Whether this system has a Linux {@code /proc} to read processes from. */
    public static boolean available() {
        return Files.isReadable(PROC.resolve("self").resolve("stat"))
                && Files.isReadable(PROC.resolve("sys/kernel/random/boot_id"));
    }

    /** The machine's boot id: it changes at every boot, so start times of another boot mean nothing. */
    public static Optional<String> bootId() {
        try {
            return Optional.of(Files.readString(PROC.resolve("sys/kernel/random/boot_id"), StandardCharsets.UTF_8)
                    .strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The process, if it exists (a zombie included). */
    public static Optional<ProcStat> of(long pid) {
        try {
            return parse(
                    pid, Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Every process of the machine (of this pid namespace) that can be read now. */
    public static List<ProcStat> all() {
        List<ProcStat> all = new ArrayList<>();
        try (Stream<Path> entries = Files.list(PROC)) {
            entries.map(p -> p.getFileName().toString())
                    .filter(name -> !name.isEmpty() && name.chars().allMatch(Character::isDigit))
                    .forEach(name -> of(Long.parseLong(name)).ifPresent(all::add));
        } catch (IOException e) {
            // no /proc: nothing can be listed
        }
        return all;
    }

    /** Dead but not reaped: it runs nothing and cannot be killed any more. */
    public boolean zombie() {
        return state == 'Z' || state == 'X';
    }

    /** Parses one stat line; the command may itself contain spaces and parentheses, so it ends at the last ')'. */
    static Optional<ProcStat> parse(long pid, String line) {
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        if (open < 0 || close < open || close + 2 > line.length()) {
            return Optional.empty();
        }
        // fields from 3 (state) on
        String[] fields = line.substring(close + 2).strip().split(" +");
        if (fields.length < 20) {
            return Optional.empty();
        }
        return Optional.of(new ProcStat(
                pid,
                fields[0].charAt(0),
                Long.parseLong(fields[1]),
                Long.parseLong(fields[2]),
                Long.parseLong(fields[3]),
                Long.parseLong(fields[19]),
                line.substring(open + 1, close)));
    }
}
