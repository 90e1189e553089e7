package dev.forgeline.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeline.stack.ForgelineClient;
import dev.forgeline.stack.LocalStack;
import dev.forgeline.stack.ScratchRepository;
import dev.forgeline.stack.ServiceKind;

/**
 * Full pipeline benchmark: the packaged local stack (the five services as processes on an embedded broker and
 * PostgreSQL, one worker running the simulated agent with zero duration), specs submitted over {@code POST /specs},
 * until every task is merged on its repository's main. Reports tasks per second from the first submit to the last
 * merge, and the per-hop latencies {@code ./forgeline latency} prints, taken by running that command against the
 * stack.
 */
final class PipelineBenchmark {
    static final String NAME = "pipeline";
    /** The repository every spec's scratch copy is made from (a few files, one commit on main). */
    private static final String SOURCE_REPOSITORY = "examples/repos/textkit";
    /** A line of {@code ./forgeline latency}: name, n, p50, p95, max. */
    private static final Pattern LATENCY_LINE = Pattern.compile(
            "^(\\s*\\S.*?)\\s+n=(\\d+)\\s+p50\\s+(-?\\d+) ms\\s+p95\\s+(-?\\d+) ms\\s+max\\s+(-?\\d+) ms$");

    /**
     * @param tasks    tasks in all
     * @param perSpec  tasks per spec (the last spec may have fewer); each spec gets a repository of its own
     * @param capacity slots of the stack's one worker
     */
    record Options(int tasks, int perSpec, int capacity, Path home, Path out) {}

    private final Options options;

    PipelineBenchmark(Options options) {
        this.options = options;
    }

    void run() throws Exception {
        Path home = options.home().toAbsolutePath().normalize();
        Path work = BenchSupport.fresh(home.resolve("bench/target/work/" + NAME));
        String date = DateTimeFormatter.ISO_INSTANT.format(Instant.now());
        Map<String, Object> machine = Machine.describe();
        BenchSupport.log("machine: " + machine);
        int specs = (options.tasks() + options.perSpec() - 1) / options.perSpec();
        List<Path> repositories = new ArrayList<>();
        for (int s = 0; s < specs; s++) {
            repositories.add(ScratchRepository.create(
                    home.resolve(SOURCE_REPOSITORY), work.resolve("repos").resolve("spec-" + s + ".git")));
        }
        Map<String, String> environment = Map.of(
                // every task succeeds at once: no simulated work, no faults (the simulated agent's defaults, said
                // explicitly so that the figure does not move with them)
                "FORGELINE_WORKER_SIMULATED_PROFILE", "none",
                "FORGELINE_WORKER_SIMULATED_DURATION_MIN_MS", "0",
                "FORGELINE_WORKER_SIMULATED_DURATION_MAX_MS", "0");
        // the stack's directory where ./forgeline looks for it under its home, so that `latency` finds this stack
        Path stackDirectory = work.resolve(".forgeline/stack");
        double loadBefore = BenchSupport.loadAverage();
        long stackStart = System.nanoTime();
        BenchSupport.log("starting the local stack (worker capacity " + options.capacity() + ")");
        Map<String, Object> line = BenchSupport.lineHead(NAME, date, 1, "forgeline");
        try (LocalStack stack = LocalStack.start(
                new LocalStack.Options(
                        home, stackDirectory, false, "bench-worker-1", options.capacity(), "simulated", environment),
                message -> BenchSupport.log("stack: " + message))) {
            double startupSeconds = (System.nanoTime() - stackStart) / 1e9;
            BenchSupport.log(String.format(Locale.ROOT, "stack ready in %.1f s", startupSeconds));
            ForgelineClient client = stack.client();

            long firstSubmitMicros = BenchSupport.nowMicros();
            List<String> specIds = new ArrayList<>();
            int submitted = 0;
            for (int s = 0; s < specs; s++) {
                int size = Math.min(options.perSpec(), options.tasks() - submitted);
                JsonNode spec = client.submit(spec(s, size), ScratchRepository.url(repositories.get(s)));
                specIds.add(spec.path("id").asText());
                submitted += size;
            }
            long lastSubmitMicros = BenchSupport.nowMicros();
            BenchSupport.log(String.format(
                    Locale.ROOT,
                    "%d tasks submitted in %d specs in %.2f s",
                    submitted,
                    specs,
                    (lastSubmitMicros - firstSubmitMicros) / 1e6));

            awaitAllMerged(client, submitted);
            List<JsonNode> tasks = tasks(client, specIds);
            long lastMergeMicros = lastMerge(tasks);
            long retried =
                    tasks.stream().filter(t -> t.path("attempt").asInt() > 1).count();
            double span = (lastMergeMicros - firstSubmitMicros) / 1e6;
            double rate = submitted / span;
            BenchSupport.log(String.format(Locale.ROOT, "all %d tasks merged; %.1f tasks/s", submitted, rate));

            List<String> report = latencyReport(home, work, stack);
            double loadAfter = BenchSupport.loadAverage();

            line.put("tasks", submitted);
            line.put("specs", specs);
            line.put("tasksPerSpec", options.perSpec());
            line.put("workerCapacity", options.capacity());
            line.put("tasksRetried", retried);
            line.put("stackStartupSeconds", startupSeconds);
            line.put("submitSeconds", (lastSubmitMicros - firstSubmitMicros) / 1e6);
            line.put("firstSubmitToLastMergeSeconds", span);
            line.put("tasksPerSecond", rate);
            line.put("hops", hops(report));
            line.put("latencyReport", report);
            line.put("loadAverageBefore", loadBefore);
            line.put("loadAverageAfter", loadAfter);
            BenchSupport.lineTail(line, machine, BenchPostgres.recordedSettings(stackPostgresUrl(stackDirectory)));
            // the local stack's own service JVMs (ServiceProcess), not the benchmarks' -Xmx512m
            line.put("childJvmOptions", List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
            BenchSupport.append(options.out(), line);

            System.out.println();
            System.out.printf(
                    Locale.ROOT,
                    "full pipeline, %d zero-duration tasks in %d specs of %d (independent), one worker of %d slots"
                            + " (load average %.1f)%n",
                    submitted,
                    specs,
                    options.perSpec(),
                    options.capacity(),
                    loadBefore);
            System.out.printf(Locale.ROOT, "%-34s %8.1f%n", "tasks/s, first submit -> last merge", rate);
            System.out.printf(Locale.ROOT, "%-34s %8.1f s%n", "first submit -> last merge", span);
            System.out.printf(
                    Locale.ROOT,
                    "%-34s %8.2f s%n",
                    "submitting (POST /specs)",
                    (lastSubmitMicros - firstSubmitMicros) / 1e6);
            System.out.printf(Locale.ROOT, "%-34s %8d%n", "tasks retried (attempt > 1)", retried);
            System.out.printf(Locale.ROOT, "%-34s %8.1f s%n", "stack start-up (not in the span)", startupSeconds);
            System.out.println("per hop (./forgeline latency):");
            report.forEach(l -> System.out.println("  " + l));
            System.out.println("results: " + options.out());
            // the figures are written: the services' graceful stop (each closes its Kafka consumers one after the
            // other, up to 15 s per service on a loaded machine) would only add time. The stack's close then stops
            // the broker and PostgreSQL; how the services stop cleanly is the system tests' part.
            for (ServiceKind kind : ServiceKind.values()) {
                if (stack.process(kind) != null) {
                    stack.process(kind).kill();
                }
            }
        }
    }

    /** Independent tasks; each writes files named after its id, so the specs get a repository each. */
    static String spec(int index, int size) {
        StringBuilder spec = new StringBuilder("# Spec: Pipeline " + index + "\nBase-branch: main\n");
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
                    .append("_test.sh.\nAcceptance: prints part ")
                    .append(t)
                    .append("\nTest command: sh test/t")
                    .append(t)
                    .append("_test.sh\nEstimate: 3m\n");
        }
        return spec.toString();
    }

    /**
     * Polls {@code GET /specs} (every spec's task counts by state, one request) until {@code tasks} are MERGED; fails
     * as soon as a task ends otherwise, or when the time allowed is over.
     */
    private static void awaitAllMerged(ForgelineClient client, int tasks) throws InterruptedException {
        Duration allowed = Duration.ofMinutes(2).plusSeconds(tasks);
        long deadline = System.nanoTime() + allowed.toNanos();
        long lastLogged = 0;
        while (true) {
            Map<String, Long> counts = new LinkedHashMap<>();
            for (JsonNode spec : client.specs()) {
                spec.path("counts")
                        .fields()
                        .forEachRemaining(
                                e -> counts.merge(e.getKey(), e.getValue().asLong(), Long::sum));
            }
            long merged = counts.getOrDefault("MERGED", 0L);
            // FAILED is not among them: a failed attempt is retried (none is expected without faults: the
            // retries are counted after the run)
            for (String ended : List.of("REJECTED", "REVERTED", "CANCELLED", "NEEDS_DECISION")) {
                if (counts.getOrDefault(ended, 0L) > 0) {
                    throw new IllegalStateException("a task did not merge: task counts " + counts);
                }
            }
            if (merged >= tasks) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not every task merged within " + allowed + ": task counts " + counts);
            }
            if (System.nanoTime() - lastLogged > TimeUnit.SECONDS.toNanos(5)) {
                BenchSupport.log("task counts " + counts);
                lastLogged = System.nanoTime();
            }
            // one request per poll keeps the admin token's rate limit (20/s) far away
            TimeUnit.MILLISECONDS.sleep(200);
        }
    }

    /** Every task as {@code GET /specs/{id}} shows it. */
    private static List<JsonNode> tasks(ForgelineClient client, List<String> specIds) {
        List<JsonNode> tasks = new ArrayList<>();
        for (String specId : specIds) {
            for (JsonNode task : client.spec(specId).path("tasks")) {
                tasks.add(task);
            }
        }
        return tasks;
    }

    /** The latest time a task became MERGED, from each task's {@code updatedAt} at the planner (epoch micros). */
    private static long lastMerge(List<JsonNode> tasks) {
        long last = Long.MIN_VALUE;
        for (JsonNode task : tasks) {
            if (!task.path("state").asText().equals("MERGED")) {
                throw new IllegalStateException("task " + task.path("taskId").asText() + " is "
                        + task.path("state").asText());
            }
            Instant at = Instant.parse(task.path("updatedAt").asText());
            last = Math.max(last, at.getEpochSecond() * 1_000_000 + at.getNano() / 1_000);
        }
        return last;
    }

    /**
     * Runs {@code ./forgeline latency} (the command line's own class, from this jar's classpath) with the benchmark's
     * work directory as its home, where it finds this stack, and returns the lines it printed.
     */
    private static List<String> latencyReport(Path home, Path work, LocalStack stack) throws Exception {
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-Dforgeline.home=" + work,
                "-cp",
                System.getProperty("java.class.path"),
                "dev.forgeline.stack.ForgelineCli",
                "latency");
        Path output = work.resolve("latency.txt");
        Process process = new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("./forgeline latency did not end within 2 minutes");
        }
        List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IllegalStateException(
                    "./forgeline latency exited with " + process.exitValue() + ": " + String.join("\n", lines));
        }
        // the broker's client logs go to the same stream: keep the report's own lines
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("tasks merged:")) {
                start = i;
            }
        }
        if (start < 0) {
            throw new IllegalStateException("./forgeline latency printed no report: " + String.join("\n", lines));
        }
        return lines.subList(start, lines.size()).stream()
                .filter(l -> l.startsWith("tasks merged:")
                        || l.startsWith("written -> sent")
                        || LATENCY_LINE.matcher(l).matches()
                        || l.endsWith("no data"))
                .toList();
    }

    /** The report's figures by line name: n, p50, p95, max in milliseconds. */
    static Map<String, Object> hops(List<String> report) {
        Map<String, Object> hops = new LinkedHashMap<>();
        for (String l : report) {
            Matcher m = LATENCY_LINE.matcher(l);
            if (m.matches()) {
                Map<String, Object> figures = new LinkedHashMap<>();
                figures.put("n", Long.parseLong(m.group(2)));
                figures.put("p50Ms", Long.parseLong(m.group(3)));
                figures.put("p95Ms", Long.parseLong(m.group(4)));
                figures.put("maxMs", Long.parseLong(m.group(5)));
                hops.put(m.group(1).strip(), figures);
            }
        }
        return hops;
    }

    private static String stackPostgresUrl(Path stackDirectory) throws IOException {
        Properties properties = new Properties();
        try (var in = Files.newBufferedReader(LocalStack.stackFile(stackDirectory))) {
            properties.load(in);
        }
        return properties.getProperty("postgres.jdbc.url");
    }
}
