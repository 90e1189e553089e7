package dev.forgeline.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeline.support.git.RepositoryUrl;

/** {@code ./forgeline}: run the local stack, the demo, and talk to a running stack. */
public final class ForgelineCli {
    private static final Set<String> SETTLED =
            Set.of("MERGED", "REJECTED", "REVERTED", "CANCELLED", "FAILED", "IN_REVIEW");
    private static final PrintStream OUT = System.out;

    private final Path home;
    /** Set when a signal stops the JVM, so that failures of calls cut short by it are not reported. */
    private static volatile boolean stopping;

    private ForgelineCli(Path home) {
        this.home = home;
    }

    public static void main(String[] args) {
        Path home = Path.of(System.getProperty("forgeline.home", "."))
                .toAbsolutePath()
                .normalize();
        ForgelineCli cli = new ForgelineCli(home);
        List<String> rest = args.length == 0 ? List.of() : List.of(args).subList(1, args.length);
        String command = args.length == 0 ? "help" : args[0];
        try {
            int code = switch (command) {
                case "demo" -> cli.demo(rest);
                case "serve" -> cli.serve();
                case "submit" -> cli.submit(rest);
                case "status" -> cli.status(rest);
                case "down" -> cli.down();
                case "latency" -> cli.latency();
                case "report" -> ReportCommand.run(home, rest, OUT, System.err);
                case "worker" -> WorkerCommand.run(cli.home, rest);
                case "lint" -> LintCommand.run(rest, OUT, System.err);
                default -> usage();
            };
            System.exit(code);
        } catch (ForgelineClient.ApiException e) {
            System.err.println("error: " + describe(e.body()));
            System.exit(1);
        } catch (RuntimeException e) {
            if (stopping) {
                return; // Ctrl-C: the stack was stopped under a request; nothing to report
            }
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
    }

    private static int usage() {
        OUT.println("""
                usage: ./forgeline COMMAND
                  demo [SPEC] [--repo DIR]   start the local stack, run SPEC (default examples/specs/textkit.md)
                                             against a scratch copy of DIR (default examples/repos/textkit), stop
                  up                         start the local stack in the background and print the service URLs
                  submit FILE [--repo URL|DIR]
                                             submit a spec to the running stack (a local DIR is sent as file://)
                  status [SPEC_ID]           show specs and their tasks, and the metrics summary
                  latency                    per-hop latencies of every task the running stack has seen
                  report [--spec ID] [--week YYYY-MM-DD]
                                             the weekly report (or one spec's) of the running stack, as Markdown
                  lint FILE [--planner URL]  spec-quality report of FILE from a running planner (creates nothing)
                  down                       stop the local stack
                  worker --dispatcher URL --kafka BOOTSTRAP [--capacity N] [--labels k=v,...] [--name NAME]
                         [--repos-dir DIR] [--agent PROFILE] [--port PORT]
                                             run this machine as a worker node of a remote stack
                """);
        return 2;
    }

    // ---- demo -------------------------------------------------------------------------------------------

    private int demo(List<String> args) {
        Path spec = home.resolve(positional(args, "examples/specs/textkit.md"));
        Path sourceRepo = home.resolve(option(args, "--repo", "examples/repos/textkit"));
        Path work = home.resolve(".forgeline/demo");
        deleteRecursively(work);
        Path repo = ScratchRepository.create(sourceRepo, work.resolve("repo.git"));
        String repoUrl = ScratchRepository.url(repo);
        OUT.println("scratch repository " + repoUrl + " (bare, copied from " + home.relativize(sourceRepo) + ")");

        LocalStack[] stack = new LocalStack[1];
        // Ctrl-C: stop what runs; the normal path stops it below and this hook then finds nothing to do
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            stopping = true;
                            if (stack[0] != null) {
                                stack[0].close();
                            }
                        },
                        "demo-shutdown"));

        long start = System.nanoTime();
        stack[0] = LocalStack.start(LocalStack.Options.defaults(home, work), m -> OUT.println(m));
        try {
            ForgelineClient client = client(stack[0]);
            printUrls(stack[0]);

            JsonNode submitted = client.submit(read(spec), repoUrl);
            String specId = submitted.path("id").asText();
            OUT.printf(
                    "submitted %s: spec %s with %d tasks%n",
                    home.relativize(spec), specId, submitted.path("tasks").size());
            boolean allMerged = follow(client, specId, Duration.ofMinutes(5));
            OUT.printf("finished in %.1f s (stack start-up included)%n", (System.nanoTime() - start) / 1e9);
            printSummary(client, specId, awaitCounted(client, specId));
            OUT.println("merged repository: " + repoUrl + " (git log --oneline main)");
            OUT.println(ScratchRepository.log(repo)
                    .lines()
                    .map(line -> "  " + line)
                    .collect(java.util.stream.Collectors.joining("\n")));
            OUT.println("logs: " + work.resolve("logs"));
            return allMerged ? 0 : 1;
        } finally {
            OUT.println("stopping the stack");
            stack[0].close();
            OUT.println("stopped");
        }
    }

    /** Prints every task state change until no task is in motion. @return whether every task merged */
    private boolean follow(ForgelineClient client, String specId, Duration timeout) {
        Map<String, String> last = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        long deadline = t0 + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode tasks = client.spec(specId).path("tasks");
            boolean settled = true;
            boolean merged = true;
            for (JsonNode task : tasks) {
                String id = task.path("taskId").asText();
                String state = task.path("state").asText();
                if (!state.equals(last.put(id, state))) {
                    OUT.printf(
                            "%7.1fs  %-16s %s%s%n",
                            (System.nanoTime() - t0) / 1e9,
                            id,
                            state,
                            task.hasNonNull("failureClass")
                                    ? " (" + task.get("failureClass").asText() + ")"
                                    : "");
                }
                settled &= SETTLED.contains(state);
                merged &= state.equals("MERGED");
            }
            if (settled) {
                return merged;
            }
            LocalStack.pause(Duration.ofMillis(300));
        }
        OUT.println("gave up waiting after " + timeout);
        return false;
    }

    /** The metrics service counts asynchronously: wait briefly until it has seen the merges the planner shows. */
    private static JsonNode awaitCounted(ForgelineClient client, String specId) {
        long merged = 0;
        for (JsonNode task : client.spec(specId).path("tasks")) {
            merged += task.path("state").asText().equals("MERGED") ? 1 : 0;
        }
        JsonNode summary = client.summary(specId);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (summary.path("tasksByState").path("MERGED").asLong() < merged && System.nanoTime() < deadline) {
            LocalStack.pause(Duration.ofMillis(300));
            summary = client.summary(specId);
        }
        return summary;
    }

    // ---- up / down --------------------------------------------------------------------------------------

    /** Runs the stack in the foreground until stopped (SIGTERM or Ctrl-C); {@code ./forgeline up} backgrounds it. */
    private int serve() {
        Path work = home.resolve(".forgeline/stack");
        CountDownLatch stopped = new CountDownLatch(1);
        LocalStack[] stack = new LocalStack[1];
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            if (stack[0] != null) {
                                stack[0].close();
                            }
                            stopped.countDown();
                        },
                        "serve-shutdown"));
        stack[0] = LocalStack.start(LocalStack.Options.defaults(home, work), m -> OUT.println(m));
        printUrls(stack[0]);
        OUT.println("ready");
        OUT.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private int down() {
        Path file = LocalStack.stackFile(home.resolve(".forgeline/stack"));
        if (!Files.exists(file)) {
            OUT.println("no local stack is running");
            return 0;
        }
        Properties props = load(file);
        List<ProcessHandle> processes = new ArrayList<>();
        ProcessHandle.of(Long.parseLong(props.getProperty("pid"))).ifPresent(processes::add);
        for (ServiceKind kind : ServiceKind.values()) {
            String pid = props.getProperty(kind.name().toLowerCase() + ".pid");
            if (pid != null) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(processes::add);
            }
        }
        processes.get(0).destroy();
        for (ProcessHandle p : processes) {
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        OUT.println("local stack stopped");
        return 0;
    }

    // ---- submit / status --------------------------------------------------------------------------------

    private int submit(List<String> args) {
        if (args.isEmpty()) {
            return usage();
        }
        Path spec = Path.of(args.get(0)).toAbsolutePath().normalize();
        String repo = option(args, "--repo", null);
        // a URL as it is; a local path becomes the file:// URL of its absolute path
        String repository = repo != null ? RepositoryUrl.parse(repo, true).toString() : repositoryLine(spec);
        JsonNode submitted = runningClient().submit(read(spec), repository);
        OUT.printf(
                "spec %s (%s): %d tasks%n",
                submitted.path("id").asText(),
                submitted.path("name").asText(),
                submitted.path("tasks").size());
        printTasks(submitted);
        return 0;
    }

    private int status(List<String> args) {
        ForgelineClient client = runningClient();
        List<String> ids = new ArrayList<>();
        if (args.isEmpty()) {
            client.specs().forEach(s -> ids.add(s.path("id").asText()));
        } else {
            ids.add(args.get(0));
        }
        for (String id : ids) {
            JsonNode spec = client.spec(id);
            OUT.printf(
                    "spec %s (%s) %s%n",
                    id, spec.path("name").asText(), spec.path("repository").asText());
            JsonNode dispatched;
            try {
                dispatched = client.dispatcherTasks(id);
            } catch (IllegalStateException | ForgelineClient.ApiException e) {
                dispatched = null; // the planner's reasons still show; READY tasks say the dispatcher is unreachable
            }
            TaskStatusLines.lines(spec, dispatched).forEach(OUT::println);
        }
        printSummary(client, args.isEmpty() ? null : args.get(0), client.summary(args.isEmpty() ? null : args.get(0)));
        return 0;
    }

    private int latency() {
        Path file = LocalStack.stackFile(home.resolve(".forgeline/stack"));
        if (!Files.exists(file)) {
            System.err.println("no local stack is running (./forgeline up)");
            return 1;
        }
        LatencyReport.print(load(file).getProperty("kafka.bootstrap.servers"), OUT);
        return 0;
    }

    /** A relative Repository line is resolved against the spec file's folder (the planner would not know it). */
    private static String repositoryLine(Path spec) {
        for (String line : read(spec).split("\n")) {
            if (line.regionMatches(true, 0, "Repository:", 0, 11)) {
                String value = line.substring(11).trim();
                if (value.contains("://") || value.matches("[^/\\s]+@[^/\\s:]+:.+")) {
                    return RepositoryUrl.parse(value, true).toString();
                }
                return ScratchRepository.url(spec.getParent().resolve(value));
            }
            if (line.startsWith("## ")) {
                break;
            }
        }
        return null;
    }

    private ForgelineClient runningClient() {
        Path file = LocalStack.stackFile(home.resolve(".forgeline/stack"));
        String planner = System.getenv().getOrDefault("FORGELINE_PLANNER_URL", "http://localhost:8081");
        String metrics = System.getenv().getOrDefault("FORGELINE_METRICS_URL", "http://localhost:8085");
        String dispatcher = System.getenv().getOrDefault("FORGELINE_DISPATCHER_URL", "http://localhost:8082");
        if (Files.exists(file)) {
            Properties props = load(file);
            planner = props.getProperty("planner.url", planner);
            metrics = props.getProperty("metrics.url", metrics);
            dispatcher = props.getProperty("dispatcher.url", dispatcher);
        }
        return new ForgelineClient(URI.create(planner), URI.create(metrics), URI.create(dispatcher));
    }

    private static ForgelineClient client(LocalStack stack) {
        return new ForgelineClient(stack.url(ServiceKind.PLANNER), stack.url(ServiceKind.METRICS));
    }

    // ---- output -----------------------------------------------------------------------------------------

    private static void printUrls(LocalStack stack) {
        for (ServiceKind kind : ServiceKind.values()) {
            OUT.printf("  %-19s %s%n", kind.module(), stack.url(kind));
        }
        OUT.println("  kafka               " + stack.kafkaBootstrapServers());
    }

    private static void printTasks(JsonNode spec) {
        for (JsonNode task : spec.path("tasks")) {
            OUT.printf(
                    "  %-16s %-10s %s%n",
                    task.path("taskId").asText(),
                    task.path("state").asText(),
                    task.path("title").asText());
        }
    }

    private static void printSummary(ForgelineClient client, String specId, JsonNode summary) {
        StringBuilder states = new StringBuilder();
        summary.path("tasksByState")
                .fields()
                .forEachRemaining(e -> states.append(states.isEmpty() ? "" : ", ")
                        .append(e.getKey())
                        .append(' ')
                        .append(e.getValue()));
        OUT.printf(
                "summary%s: %d tasks (%s), %d attempts, compute %.1f s, lines added %d, lines merged %d, cost $%s%n",
                specId == null ? "" : " of " + specId,
                summary.path("tasks").asLong(),
                states,
                summary.path("attempts").asLong(),
                summary.path("computeMillis").asLong() / 1000.0,
                summary.path("linesAdded").asLong(),
                summary.path("linesMerged").asLong(),
                summary.path("costUsd").asText("0"));
    }

    private static String describe(JsonNode problem) {
        StringBuilder text = new StringBuilder(problem.path("title").asText("request failed"));
        if (problem.hasNonNull("detail")) {
            text.append(": ").append(problem.get("detail").asText());
        }
        for (JsonNode error : problem.path("errors")) {
            text.append("\n  ");
            if (error.hasNonNull("line")) {
                text.append("line ").append(error.get("line").asInt()).append(": ");
            }
            text.append(error.path("message").asText());
        }
        return text.toString();
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private static String positional(List<String> args, String fallback) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).startsWith("--")) {
                i++;
            } else {
                return args.get(i);
            }
        }
        return fallback;
    }

    private static String option(List<String> args, String name, String fallback) {
        int i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : fallback;
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Properties load(Path file) {
        Properties props = new Properties();
        try (var in = Files.newBufferedReader(file)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return props;
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean " + dir, e);
        }
    }
}
