package dev.forgeline.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** What every benchmark command shares: progress lines, run directories, the result lines and what they record. */
final class BenchSupport {
    /** The same heap for every child JVM: the dispatcher and the schedulers' drivers. */
    static final List<String> CHILD_JVM_OPTIONS = List.of("-Xmx512m");

    private static final ObjectMapper JSON = new ObjectMapper();

    private BenchSupport() {}

    static void log(String message) {
        System.out.println(
                DateTimeFormatter.ISO_LOCAL_TIME.format(Instant.now().atOffset(ZoneOffset.UTC)) + " " + message);
    }

    /** The default results file of a command: {@code bench/target/results/<command>-<time>.jsonl}. */
    static Path defaultOut(String command) {
        return Path.of("bench/target/results/" + command + "-"
                + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").format(LocalDateTime.now()) + ".jsonl");
    }

    /** An empty directory for one run's logs and broker data (a previous invocation's are deleted). */
    static Path fresh(Path directory) throws IOException {
        if (Files.exists(directory)) {
            try (var paths = Files.walk(directory)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        return Files.createDirectories(directory);
    }

    /** The one-minute load average of the machine, -1 where the OS does not tell. */
    static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** The versions of Forgeline and of the schedulers it is compared with, as built. */
    static Map<String, String> versions() {
        Properties properties = new Properties();
        try (InputStream in = BenchSupport.class.getResourceAsStream("/bench-versions.properties")) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> versions = new LinkedHashMap<>();
        properties.stringPropertyNames().stream().sorted().forEach(k -> versions.put(k, properties.getProperty(k)));
        return versions;
    }

    /** The start of every result line: which benchmark, when, which round and system. */
    static Map<String, Object> lineHead(String benchmark, String date, int round, String system) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("benchmark", benchmark);
        line.put("date", date);
        line.put("round", round);
        line.put("system", system);
        return line;
    }

    /** The end of every result line: what the figures were measured on and with. */
    static void lineTail(Map<String, Object> line, Map<String, Object> machine, Map<String, Object> postgres) {
        line.put("machine", machine);
        line.put("postgres", postgres);
        line.put("versions", versions());
        line.put("childJvmOptions", CHILD_JVM_OPTIONS);
    }

    static void append(Path out, Map<String, Object> line) throws IOException {
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(
                out, JSON.writeValueAsString(line) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int mid = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(mid) : (sorted.get(mid - 1) + sorted.get(mid)) / 2;
    }

    /** Epoch microseconds from the wall clock: comparable across the processes of one machine. */
    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }
}
