package dev.forgeline.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.support.git.RepositoryUrl;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./forgeline}: run the local stack, the demo, and talk to a running stack. Exit codes: 0 done, 1 the command
 * failed (a one-line reason on standard error), 2 the command line is wrong.
 */
@Command(
        name = "forgeline",
        mixinStandardHelpOptions = true,
        versionProvider = ForgelineCli.Version.class,
        subcommands = {CommandLine.HelpCommand.class},
        description = "Forgeline's command line: run a local stack and drive a running one.",
        footer = {
            "",
            "The stack's URLs come from the running local stack (.forgeline/stack/stack.properties), else"
                    + " FORGELINE_PLANNER_URL, FORGELINE_DISPATCHER_URL, FORGELINE_REVIEW_URL, FORGELINE_METRICS_URL,"
                    + " else the default ports 8081..8085.",
            "Requests carry a bearer token: FORGELINE_TOKEN, else --token-file FILE, else"
                    + " .forgeline/stack/admin-token if it exists.",
            "Exit codes: 0 done, 1 failed (one line on standard error says why), 2 wrong command line."
        })
public final class ForgelineCli implements java.util.concurrent.Callable<Integer> {
    /** The demo stops following once every task is in one of these (IN_REVIEW: waits for a person). */
    private static final Set<String> SETTLED =
            Set.of("MERGED", "REJECTED", "REVERTED", "CANCELLED", "FAILED", "IN_REVIEW");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Set when a signal stops the JVM, so that failures of calls cut short by it are not reported. */
    private static volatile boolean stopping;

    private final CliContext ctx;
    private final PrintStream out;

    @Spec
    CommandSpec spec;

    ForgelineCli(CliContext ctx) {
        this.ctx = ctx;
        this.out = ctx.out;
    }

    public static void main(String[] args) {
        Path home = Path.of(System.getProperty("forgeline.home", "."))
                .toAbsolutePath()
                .normalize();
        int code = commandLine(new CliContext(home, System.out, System.err, System.getenv()))
                .execute(args);
        if (stopping) {
            return; // Ctrl-C: the shutdown hooks stop what runs; nothing to report
        }
        System.exit(code);
    }

    /** The whole command tree, printing to the context's streams; {@code execute(args)} gives the exit code. */
    static CommandLine commandLine(CliContext ctx) {
        CommandLine cli = new CommandLine(new ForgelineCli(ctx));
        cli.addSubcommand(new CommandLine(new AdminCommands.Decisions(ctx)));
        cli.addSubcommand(new CommandLine(new AdminCommands.Reviews(ctx)));
        cli.addSubcommand(new CommandLine(new AdminCommands.Tasks(ctx)));
        cli.addSubcommand(new CommandLine(new AdminCommands.Nodes(ctx)));
        cli.addSubcommand(new CommandLine(new AdminCommands.Breakers(ctx)));
        cli.addSubcommand(new CommandLine(new AdminCommands.Holds(ctx)));
        cli.addSubcommand(new CommandLine(new AdminCommands.Audit(ctx)));
        standardOptionsEverywhere(cli, cli.getCommandSpec());
        cli.setOut(new PrintWriter(ctx.out, true));
        cli.setErr(new PrintWriter(ctx.err, true));
        cli.setParameterExceptionHandler((e, args) -> {
            String command = e.getCommandLine().getCommandSpec().qualifiedName();
            e.getCommandLine()
                    .getErr()
                    .println(command + ": " + e.getMessage().replace('\n', ' ') + " (" + command + " --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            if (stopping) {
                return 130;
            }
            if (e instanceof ForgelineClient.ApiException api) {
                ctx.err.println("error: " + api.getMessage());
                for (JsonNode error : api.body().path("errors")) {
                    ctx.err.println("  "
                            + (error.hasNonNull("line")
                                    ? "line " + error.get("line").asInt() + ": "
                                    : "")
                            + (error.hasNonNull("field") ? error.get("field").asText() + ": " : "")
                            + error.path("message").asText());
                }
                return 1;
            }
            if (e instanceof IllegalStateException
                    || e instanceof IllegalArgumentException
                    || e instanceof UncheckedIOException) {
                ctx.err.println("error: " + e.getMessage());
                return 1;
            }
            // a fault of the command line itself: still one line, the trace when asked for
            ctx.err.println("error: " + e);
            if (System.getenv("FORGELINE_DEBUG") != null) {
                e.printStackTrace(ctx.err);
            }
            return 1;
        });
        return cli;
    }

    /** --version on every command, not only the top one. */
    private static void standardOptionsEverywhere(CommandLine cli, CommandSpec root) {
        for (CommandLine sub : cli.getSubcommands().values()) {
            // each @Command declares its help options itself: options added here would become arguments of the
            // command methods
            sub.getCommandSpec().versionProvider(root.versionProvider());
            standardOptionsEverywhere(sub, root);
        }
    }

    /** {@code --version}: the project version the jar was built from. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties props = new Properties();
            try (InputStream in = ForgelineCli.class.getResourceAsStream("/forgeline-version.properties")) {
                if (in != null) {
                    props.load(in);
                }
            }
            return new String[] {"forgeline " + props.getProperty("version", "unknown")};
        }
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    // ---- demo -------------------------------------------------------------------------------------------

    @Command(
            mixinStandardHelpOptions = true,
            name = "demo",
            description =
                    "Start a fresh local stack, run SPEC against a scratch copy of --repo, print what merged, stop.")
    int demo(
            @Parameters(
                            paramLabel = "SPEC",
                            arity = "0..1",
                            defaultValue = "examples/specs/textkit.md",
                            description = "the spec (default: ${DEFAULT-VALUE})")
                    String specFile,
            @Option(
                            names = "--repo",
                            paramLabel = "DIR",
                            defaultValue = "examples/repos/textkit",
                            description = "the repository copied as the target (default: ${DEFAULT-VALUE})")
                    String repoDir) {
        Path home = ctx.home;
        Path spec = home.resolve(specFile);
        Path sourceRepo = home.resolve(repoDir);
        Path work = home.resolve(".forgeline/demo");
        deleteRecursively(work);
        Path repo = ScratchRepository.create(sourceRepo, work.resolve("repo.git"));
        String repoUrl = ScratchRepository.url(repo);
        out.println("scratch repository " + repoUrl + " (bare, copied from " + home.relativize(sourceRepo) + ")");

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
        stack[0] = LocalStack.start(LocalStack.Options.defaults(home, work), out::println);
        try {
            // the services refuse requests without a token: the demo speaks as the stack's admin
            ForgelineClient client = stack[0].client();
            printUrls(stack[0]);

            JsonNode submitted = client.submit(read(spec), repoUrl);
            String specId = submitted.path("id").asText();
            out.printf(
                    "submitted %s: spec %s with %d tasks%n",
                    home.relativize(spec), specId, submitted.path("tasks").size());
            boolean allMerged = follow(client, specId, Duration.ofMinutes(5));
            out.printf("finished in %.1f s (stack start-up included)%n", (System.nanoTime() - start) / 1e9);
            printSummary(specId, awaitCounted(client, specId));
            out.println("merged repository: " + repoUrl + " (git log --oneline main)");
            out.println(ScratchRepository.log(repo)
                    .lines()
                    .map(line -> "  " + line)
                    .collect(java.util.stream.Collectors.joining("\n")));
            out.println("logs: " + work.resolve("logs"));
            return allMerged ? 0 : 1;
        } finally {
            out.println("stopping the stack");
            stack[0].close();
            out.println("stopped");
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
                    out.printf(
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
        out.println("gave up waiting after " + timeout);
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

    // ---- up / serve / down ------------------------------------------------------------------------------

    @Command(
            mixinStandardHelpOptions = true,
            name = "up",
            description = {
                "Start the local stack in the background and print the service URLs.",
                "The database and the broker's data are kept between runs (under .forgeline/stack) unless --fresh."
            })
    int up(
            @Option(names = "--fresh", description = "start on an empty database and broker") boolean fresh,
            @Option(
                            names = "--sasl",
                            description = "the broker authenticates every client (SCRAM-SHA-512, a user per service)"
                                    + " and allows each only the ACLs of docs/security.md; switching kept plaintext"
                                    + " data to SASL needs --fresh")
                    boolean sasl) {
        Path file = LocalStack.stackFile(ctx.stackDirectory());
        if (Files.exists(file) && stackProcessAlive()) {
            ctx.err.println("error: a local stack is already running (./forgeline status, ./forgeline down)");
            return 1;
        }
        Path log = ctx.home.resolve(".forgeline/stack.log");
        LocalStack.mkdirs(log.getParent());
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid"); // its own session: a Ctrl-C or a closed terminal does not stop it
        }
        command.add(ServiceProcess.javaExecutable());
        command.add("-Djava.util.logging.manager=org.jboss.logmanager.LogManager");
        command.add("-Dforgeline.home=" + ctx.home);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ForgelineCli.class.getName());
        command.add("serve");
        if (fresh) {
            command.add("--fresh");
        }
        if (sasl) {
            command.add("--sasl");
        }
        Process serve;
        try {
            serve = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the local stack", e);
        }
        out.println("starting the local stack (log: " + ctx.home.relativize(log) + ")...");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (true) {
            List<String> lines = readLines(log);
            if (lines.contains("ready")) {
                lines.stream().filter(l -> l.startsWith("  ")).forEach(out::println);
                out.println("submit a spec: ./forgeline submit examples/specs/textkit.md ; stop: ./forgeline down");
                return 0;
            }
            if (!serve.isAlive() || System.nanoTime() > deadline) {
                ctx.err.println("error: the local stack did not start; its log ends with:");
                lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(ctx.err::println);
                return 1;
            }
            LocalStack.pause(Duration.ofMillis(500));
        }
    }

    private boolean stackProcessAlive() {
        String pid = ctx.stackProperties().getProperty("pid");
        return pid != null
                && ProcessHandle.of(Long.parseLong(pid))
                        .map(ProcessHandle::isAlive)
                        .orElse(false);
    }

    /** Runs the stack in the foreground until stopped (SIGTERM or Ctrl-C); {@code ./forgeline up} backgrounds it. */
    @Command(
            mixinStandardHelpOptions = true,
            name = "serve",
            description = "Run the local stack in the foreground until stopped (up backgrounds it).")
    int serve(
            @Option(names = "--fresh", description = "start on an empty database and broker") boolean fresh,
            @Option(
                            names = "--sasl",
                            description = "the broker authenticates every client (SCRAM-SHA-512, a user per service)"
                                    + " and allows each only the ACLs of docs/security.md; switching kept plaintext"
                                    + " data to SASL needs --fresh")
                    boolean sasl) {
        Path work = ctx.stackDirectory();
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
        LocalStack.Options options = LocalStack.Options.defaults(ctx.home, work);
        if (sasl) {
            options = options.withKafkaSasl();
        }
        // the database and the broker run as processes of their own on data that outlives them: an in-JVM broker
        // and database would delete their data when they stop, so --fresh only starts on emptied directories
        stack[0] = LocalStack.start(
                fresh ? options.withRestartableInfrastructure() : options.withKeptData(), out::println);
        printUrls(stack[0]);
        out.println("ready");
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    @Command(
            mixinStandardHelpOptions = true,
            name = "down",
            description = "Stop the local stack (its data stays for the next up).")
    int down() {
        Path file = LocalStack.stackFile(ctx.stackDirectory());
        if (!Files.exists(file)) {
            out.println("no local stack is running");
            return 0;
        }
        Properties props = ctx.stackProperties();
        List<ProcessHandle> processes = new ArrayList<>();
        ProcessHandle.of(Long.parseLong(props.getProperty("pid"))).ifPresent(processes::add);
        for (ServiceKind kind : ServiceKind.values()) {
            String pid = props.getProperty(kind.name().toLowerCase() + ".pid");
            if (pid != null) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(processes::add);
            }
        }
        // what the stack's JVM started (the broker's JVM among them), known before it ends and they lose their parent
        processes.stream()
                .findFirst()
                .ifPresent(serve ->
                        serve.descendants().filter(p -> !processes.contains(p)).forEach(processes::add));
        // the stack's JVM stops the services, the broker and PostgreSQL in order; a busy machine needs its time
        for (int i = 0; i < processes.size(); i++) {
            ProcessHandle process = processes.get(i);
            if (i == 0) {
                process.destroy();
            }
            awaitEnd(process, i == 0 ? Duration.ofSeconds(120) : Duration.ofSeconds(10));
        }
        // PostgreSQL runs detached (pg_ctl): when the stack's JVM had to be killed, its server is stopped here
        postmaster(ctx.stackDirectory().resolve("postgres")).ifPresent(p -> {
            p.destroy();
            awaitEnd(p, Duration.ofSeconds(60));
        });
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.println("local stack stopped");
        return 0;
    }

    /**
     * Waits for a process that should end; past the grace it is asked to stop (SIGTERM), then killed, and its end
     * is awaited each time, so that nothing of the stack outlives {@code down}.
     */
    private static void awaitEnd(ProcessHandle process, Duration grace) {
        if (ended(process, grace)) {
            return;
        }
        process.destroy();
        if (ended(process, Duration.ofSeconds(20))) {
            return;
        }
        process.destroyForcibly();
        if (!ended(process, Duration.ofSeconds(10))) {
            throw new IllegalStateException("process " + process.pid() + " did not end after it was killed");
        }
    }

    private static boolean ended(ProcessHandle process, Duration within) {
        try {
            process.onExit().get(within.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        } catch (ExecutionException e) {
            return !process.isAlive();
        }
    }

    /** The PostgreSQL server of a data directory, while it runs. */
    private static Optional<ProcessHandle> postmaster(Path dataDirectory) {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(pidFile);
            return lines.isEmpty()
                    ? Optional.empty()
                    : ProcessHandle.of(Long.parseLong(lines.get(0).strip()))
                            .filter(p -> p.info().command().orElse("").endsWith("postgres"));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    // ---- submit / status --------------------------------------------------------------------------------

    @Command(mixinStandardHelpOptions = true, name = "submit", description = "Submit a spec to the running stack.")
    int submit(
            @Parameters(paramLabel = "FILE", description = "the spec") Path file,
            @Option(
                            names = "--repo",
                            paramLabel = "URL|DIR",
                            description = "the target repository (a local DIR is sent as file://); default: the"
                                    + " spec's Repository line")
                    String repo,
            @Option(names = "--format", description = "the spec's format (default: detected)") String format,
            @Option(names = "--base-branch", paramLabel = "BRANCH", description = "the branch tasks merge into")
                    String baseBranch,
            @Option(
                            names = "--test-command",
                            paramLabel = "CMD",
                            description = "test command of tasks that name none (spec-kit, Kiro)")
                    String testCommand,
            @Option(
                            names = "--project",
                            paramLabel = "NAME",
                            description = "the project the spec belongs to (default: the spec's Project line, else"
                                    + " the planner's default project)")
                    String project,
            @Mixin CliContext.ApiOptions api) {
        Path spec = file.toAbsolutePath().normalize();
        // a URL as it is; a local path becomes the file:// URL of its absolute path
        String repository = repo != null ? RepositoryUrl.parse(repo, true).toString() : repositoryLine(spec);
        Map<String, String> parameters = new LinkedHashMap<>();
        if (repository != null) {
            parameters.put("repository", repository);
        }
        if (format != null) {
            parameters.put("format", format);
        }
        if (baseBranch != null) {
            parameters.put("baseBranch", baseBranch);
        }
        if (testCommand != null) {
            parameters.put("testCommand", testCommand);
        }
        if (project != null) {
            parameters.put("project", project);
        }
        JsonNode submitted = ctx.client(api).submit(read(spec), parameters);
        if (api.json) {
            ctx.printJson(submitted);
            return 0;
        }
        out.printf(
                "spec %s (%s): %d tasks%n",
                submitted.path("id").asText(),
                submitted.path("name").asText(),
                submitted.path("tasks").size());
        for (JsonNode task : submitted.path("tasks")) {
            out.printf(
                    "  %-16s %-10s %s%n",
                    task.path("taskId").asText(),
                    task.path("state").asText(),
                    task.path("title").asText());
        }
        return 0;
    }

    @Command(
            mixinStandardHelpOptions = true,
            name = "status",
            description = {
                "Show specs and their tasks (with why each waiting task waits), and the metrics summary.",
                "--watch follows SPEC (default: every spec) until every task has ended, redrawing each second;"
                        + " it exits 0 when every task merged, 1 otherwise."
            })
    int status(
            @Parameters(paramLabel = "SPEC", arity = "0..1", description = "one spec's id (default: all)")
                    String specId,
            @Option(names = "--watch", description = "follow until every task has ended") boolean watch,
            @Mixin CliContext.ApiOptions api) {
        ForgelineClient client = ctx.client(api);
        if (!watch) {
            if (api.json) {
                ctx.printJson(specId == null ? client.specs() : client.spec(specId));
                return 0;
            }
            render(client, specId).forEach(out::println);
            return 0;
        }
        boolean terminal = System.console() != null && !api.json;
        String last = null;
        while (true) {
            List<JsonNode> specs = specs(client, specId);
            String drawn;
            if (api.json) {
                ArrayNode all = JSON.createArrayNode();
                specs.forEach(all::add);
                drawn = (specId == null ? all : all.get(0)).toString();
            } else {
                drawn = String.join("\n", render(client, specId));
            }
            if (terminal) {
                out.print("\033[H\033[2J"); // redraw in place
                out.println(LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")) + "  (Ctrl-C stops)");
                out.println(drawn);
            } else if (!drawn.equals(last)) {
                if (!api.json) {
                    out.println("-- " + LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")));
                }
                out.println(drawn);
            }
            out.flush();
            last = drawn;
            Boolean merged = ended(client, specs);
            if (merged != null) {
                return merged ? 0 : 1;
            }
            LocalStack.pause(Duration.ofSeconds(1));
        }
    }

    private static List<JsonNode> specs(ForgelineClient client, String specId) {
        List<JsonNode> specs = new ArrayList<>();
        if (specId != null) {
            specs.add(client.spec(specId));
        } else {
            client.specs().forEach(s -> specs.add(client.spec(s.path("id").asText())));
        }
        return specs;
    }

    /**
     * Null while a task can still move; else whether every task merged. A FAILED task has ended when the dispatcher
     * says no retry follows (or cannot be asked).
     */
    private static Boolean ended(ForgelineClient client, List<JsonNode> specs) {
        boolean merged = true;
        for (JsonNode spec : specs) {
            JsonNode dispatched = dispatched(client, spec.path("id").asText());
            for (JsonNode task : spec.path("tasks")) {
                String state = task.path("state").asText();
                merged &= state.equals("MERGED");
                if (TaskState.valueOf(state).isFinal()) {
                    continue;
                }
                if (state.equals("FAILED")) {
                    JsonNode view = find(dispatched, task.path("taskId").asText());
                    if (dispatched == null
                            || (view != null && view.path("permanent").asBoolean())) {
                        continue;
                    }
                }
                return null;
            }
        }
        return merged;
    }

    private static JsonNode find(JsonNode dispatched, String taskId) {
        if (dispatched != null) {
            for (JsonNode t : dispatched) {
                if (taskId.equals(t.path("taskId").asText())) {
                    return t;
                }
            }
        }
        return null;
    }

    private static JsonNode dispatched(ForgelineClient client, String specId) {
        try {
            return client.dispatcherTasks(specId);
        } catch (IllegalStateException | ForgelineClient.ApiException e) {
            return null; // the planner's reasons still show; READY tasks say the dispatcher is unreachable
        }
    }

    private List<String> render(ForgelineClient client, String specId) {
        List<String> lines = new ArrayList<>();
        for (JsonNode spec : specs(client, specId)) {
            String id = spec.path("id").asText();
            lines.add(String.format(
                    "spec %s (%s) %s",
                    id, spec.path("name").asText(), spec.path("repository").asText()));
            lines.addAll(TaskStatusLines.lines(spec, dispatched(client, id)));
        }
        try {
            lines.add(summaryLine(specId, client.summary(specId)));
        } catch (IllegalStateException | ForgelineClient.ApiException e) {
            lines.add("summary: " + e.getMessage());
        }
        return lines;
    }

    @Command(
            mixinStandardHelpOptions = true,
            name = "latency",
            description = "Per-hop latencies of every task the running local stack has seen.")
    int latency() {
        String kafka = ctx.stackProperties().getProperty("kafka.bootstrap.servers");
        if (kafka == null) {
            ctx.err.println("error: no local stack is running (./forgeline up)");
            return 1;
        }
        LatencyReport.print(kafka, out);
        return 0;
    }

    @Command(
            mixinStandardHelpOptions = true,
            name = "report",
            description = "The weekly report (or one spec's) of the running stack, as Markdown.")
    int report(
            @Option(names = "--spec", paramLabel = "SPEC_ID", description = "one spec's report") String specId,
            @Option(names = "--week", paramLabel = "YYYY-MM-DD", description = "the week (default: this one)")
                    String week,
            @Option(
                            names = "--token-file",
                            paramLabel = "FILE",
                            description = "file holding the bearer token (used when FORGELINE_TOKEN is not set)")
                    Path tokenFile) {
        if (specId != null && week != null) {
            throw new CommandLine.ParameterException(
                    spec.subcommands().get("report"), "--spec and --week exclude each other");
        }
        CliContext.ApiOptions api = new CliContext.ApiOptions();
        api.tokenFile = tokenFile;
        String path = specId != null
                ? "/reports/specs/" + ForgelineClient.encode(specId)
                : "/reports/weekly" + (week == null ? "" : "?week=" + ForgelineClient.encode(week));
        out.print(ctx.client(api).getText(ServiceKind.METRICS, path));
        return 0;
    }

    @Command(
            mixinStandardHelpOptions = true,
            name = "lint",
            description = {
                "Spec-quality report of FILE from a running planner (creates nothing).",
                "Exits 0 when the spec is valid and no task is VAGUE, 1 otherwise."
            })
    int lint(
            @Parameters(paramLabel = "FILE", description = "the spec") Path file,
            @Option(names = "--planner", paramLabel = "URL", description = "the planner (default: the stack's)")
                    URI planner,
            @Option(names = "--format", description = "the spec's format (default: detected)") String format,
            @Option(names = "--test-command", paramLabel = "CMD", description = "test command of tasks that name none")
                    String testCommand,
            @Mixin CliContext.ApiOptions api) {
        byte[] body;
        try {
            body = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        if (format != null) {
            parameters.put("format", format);
        }
        if (testCommand != null) {
            parameters.put("testCommand", testCommand);
        }
        ForgelineClient client = ctx.client(api);
        if (planner != null) {
            Map<ServiceKind, URI> urls = new EnumMap<>(ServiceKind.class);
            urls.put(ServiceKind.PLANNER, planner);
            client = new ForgelineClient(urls, ctx.token(api.tokenFile));
        }
        JsonNode report = client.lint(body, parameters);
        if (api.json) {
            ctx.printJson(report);
            return LintCommand.passes(report) ? 0 : 1;
        }
        return LintCommand.print(file, report, out);
    }

    @Command(
            mixinStandardHelpOptions = true,
            name = "worker",
            description = "Run this machine as a worker node of a remote stack (foreground).")
    int worker(
            @Option(names = "--dispatcher", required = true, paramLabel = "URL") String dispatcher,
            @Option(names = "--kafka", required = true, paramLabel = "BOOTSTRAP") String kafka,
            @Option(names = "--capacity", paramLabel = "N", description = "slots (default 2)") String capacity,
            @Option(names = "--labels", paramLabel = "k=v,...") String labels,
            @Option(names = "--name", paramLabel = "NAME") String name,
            @Option(names = "--repos-dir", paramLabel = "DIR") String reposDir,
            @Option(names = "--agent", paramLabel = "PROFILE") String agent,
            @Option(names = "--port", paramLabel = "PORT") String port,
            @Option(
                            names = "--token",
                            paramLabel = "TOKEN",
                            description = "the node's worker token (default: FORGELINE_TOKEN)")
                    String token) {
        List<String> args = new ArrayList<>(List.of("--dispatcher", dispatcher, "--kafka", kafka));
        Map<String, String> optional = new LinkedHashMap<>();
        optional.put("--capacity", capacity);
        optional.put("--labels", labels);
        optional.put("--name", name);
        optional.put("--repos-dir", reposDir);
        optional.put("--agent", agent);
        optional.put("--port", port);
        optional.put("--token", token);
        optional.forEach((option, value) -> {
            if (value != null) {
                args.add(option);
                args.add(value);
            }
        });
        return WorkerCommand.run(ctx.home, args);
    }

    @Command(
            mixinStandardHelpOptions = true,
            name = "token",
            description = {
                "Manage Forgeline API tokens: create NAME --role ROLE[,ROLE] [--expires 30d], list, revoke ID|NAME.",
                "A new token is printed once; the store keeps its hash. Default store: the local stack's."
            })
    int token(
            @Parameters(index = "0", paramLabel = "ACTION", description = "create, list or revoke") String action,
            @Parameters(index = "1", arity = "0..1", paramLabel = "NAME|ID") String name,
            @Option(
                            names = "--role",
                            split = ",",
                            paramLabel = "ROLE",
                            description = "submitter, reviewer, operator, worker, admin")
                    List<String> roles,
            @Option(names = "--project", paramLabel = "PROJECT") List<String> projects,
            @Option(names = "--node", paramLabel = "NODE", description = "the node a worker token speaks for")
                    String node,
            @Option(
                            names = "--expires",
                            paramLabel = "WHEN",
                            description =
                                    "refuse the token from then on: 30d, 12h, 45m, P30D, 2027-01-31 or an instant")
                    String expires,
            @Option(names = "--file", paramLabel = "TOKENS_FILE", description = "another token store") String file) {
        List<String> args = new ArrayList<>(List.of(action));
        if (name != null) {
            args.add(name);
        }
        if (roles != null && !roles.isEmpty()) {
            args.add("--role");
            args.add(String.join(",", roles));
        }
        for (String project : projects == null ? List.<String>of() : projects) {
            args.add("--project");
            args.add(project);
        }
        if (node != null) {
            args.add("--node");
            args.add(node);
        }
        if (expires != null) {
            args.add("--expires");
            args.add(expires);
        }
        if (file != null) {
            args.add("--file");
            args.add(file);
        }
        return TokenCommand.run(ctx.home, args, out, ctx.err);
    }

    @Command(
            mixinStandardHelpOptions = true,
            name = "completion",
            description = "Print the bash completion script: source <(./forgeline completion)")
    int completion() {
        out.print(AutoComplete.bash("forgeline", spec.commandLine()));
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

    // ---- output -----------------------------------------------------------------------------------------

    private void printUrls(LocalStack stack) {
        for (ServiceKind kind : ServiceKind.values()) {
            out.printf("  %-19s %s%n", kind.module(), stack.url(kind));
        }
        out.println("  kafka               " + stack.kafkaBootstrapServers());
    }

    private void printSummary(String specId, JsonNode summary) {
        out.println(summaryLine(specId, summary));
    }

    private static String summaryLine(String specId, JsonNode summary) {
        StringBuilder states = new StringBuilder();
        summary.path("tasksByState")
                .fields()
                .forEachRemaining(e -> states.append(states.isEmpty() ? "" : ", ")
                        .append(e.getKey())
                        .append(' ')
                        .append(e.getValue()));
        return String.format(
                "summary%s: %d tasks (%s), %d attempts, compute %.1f s, lines added %d, lines merged %d, cost $%s",
                specId == null ? "" : " of " + specId,
                summary.path("tasks").asLong(),
                states,
                summary.path("attempts").asLong(),
                summary.path("computeMillis").asLong() / 1000.0,
                summary.path("linesAdded").asLong(),
                summary.path("linesMerged").asLong(),
                summary.path("costUsd").asText("0"));
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of(); // being written: read again at the next look
        }
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

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    static ArrayNode array() {
        return JSON.createArrayNode();
    }
}
