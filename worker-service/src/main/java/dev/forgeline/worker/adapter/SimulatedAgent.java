package dev.forgeline.worker.adapter;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.worker.config.WorkerConfig;

/**
 * A deterministic simulation of an agent, NOT an AI: it always writes the same two files for the same task, so
 * the whole pipeline (worktree, tests, commit, review, merge) can run without a model.
 *
 * <p>For task id {@code T} it takes {@code slug} = T lower-cased with every character outside {@code [a-z0-9]}
 * replaced by {@code _}, and writes
 * <ul>
 * <li>{@code lib/<slug>.sh}: a shell function {@code <slug>} (prefixed with {@code _} when the slug starts with a
 * digit, which shell function names may not) printing one line derived from spec id, task id and title;</li>
 * <li>{@code test/<slug>_test.sh}: sources {@code ../lib/<slug>.sh} relative to its own directory and exits 1
 * with a message unless the function prints exactly that line.</li>
 * </ul>
 * A task whose test command is {@code sh test/<slug>_test.sh} therefore passes. Usage: input tokens = prompt
 * characters / 4, output tokens = written characters / 4, cost 0.
 */
@ApplicationScoped
public class SimulatedAgent implements AgentAdapter {
    public static final String ID = "simulated";
    private final SimulatedFaults faults;

    /** No faults: every task succeeds. */
    public SimulatedAgent() {
        this(SimulatedFaults.NONE);
    }

    public SimulatedAgent(SimulatedFaults faults) {
        this.faults = faults;
    }

    @Inject
    public SimulatedAgent(WorkerConfig config) {
        this(SimulatedFaults.from(config.simulated()));
    }

    public SimulatedFaults faults() {
        return faults;
    }

    @Override
    public String id() {
        return ID;
    }

    /** The file and function stem for a task id. */
    public static String slug(String taskId) {
        return taskId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_");
    }

    /** The shell function name for a task id. */
    public static String functionName(String taskId) {
        String slug = slug(taskId);
        return slug.isEmpty() || Character.isDigit(slug.charAt(0)) ? "_" + slug : slug;
    }

    /** The line the generated function prints: a function of spec id, task id and title only. */
    public static String expectedLine(TaskReady task) {
        String title = oneLine(task.title());
        return "forgeline simulated " + task.specId() + "/" + task.taskId() + " "
                + digest(task.specId(), task.taskId(), title) + ": " + title;
    }

    @Override
    public AgentRun run(AgentInvocation invocation) {
        long started = System.nanoTime();
        TaskReady task = invocation.task();
        int attempt = attemptOf(invocation.worktree());
        SimulatedFaults.Draw draw = faults.draw(task.specId(), task.taskId(), attempt);
        if (!work(invocation, draw.fault() == SimulatedFaults.Fault.HANG ? Long.MAX_VALUE : draw.durationMillis())) {
            String why = invocation.stop().getAsBoolean() ? "simulated agent stopped" : "simulated agent hung";
            return new AgentRun(
                    137,
                    why,
                    usage(invocation, 0),
                    millisSince(started),
                    !invocation.stop().getAsBoolean());
        }
        switch (draw.fault()) {
            case CRASH -> {
                invocation.onOutput().accept("Segmentation fault (core dumped)");
                return new AgentRun(
                        139,
                        "simulated crash\nSegmentation fault (core dumped)",
                        usage(invocation, 0),
                        millisSince(started),
                        false);
            }
            case CONTEXT_EXHAUSTED -> {
                return new AgentRun(
                        1,
                        "API Error: 400 {\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                                + "\"message\":\"prompt is too long: 212044 tokens > 200000 maximum\"}}",
                        usage(invocation, 0),
                        millisSince(started),
                        false);
            }
            case NETWORK_ERROR -> {
                return new AgentRun(
                        128,
                        "ssh: connect to host git.example.internal port 22: Connection refused\n"
                                + "fatal: Could not read from remote repository.",
                        usage(invocation, 0),
                        millisSince(started),
                        false);
            }
            default -> {
                // NONE, TEST_FAILURE and DEPENDENCY_FAILURE write the files; the worker's test run tells
            }
        }
        String slug = slug(task.taskId());
        String function = functionName(task.taskId());
        String line = expectedLine(task);
        String title = oneLine(task.title());
        String library = "# Written by the Forgeline simulated agent (a deterministic simulation, not an AI).\n"
                + "# Task " + task.specId() + "/" + task.taskId() + ": " + title + "\n"
                + function + "() {\n"
                + "  printf '%s\\n' " + shellQuote(line) + "\n"
                + "}\n";
        String testPrelude = switch (draw.fault()) {
            case DEPENDENCY_FAILURE ->
                "echo 'npm ERR! code E404' >&2\n"
                        + "echo \"npm ERR! 404 Not Found - GET https://registry.npmjs.org/left-padd - Not found\" >&2\n"
                        + "exit 1\n";
            case TEST_FAILURE -> "echo 'FAIL: simulated test failure (expected output differs)' >&2\nexit 1\n";
            default -> "";
        };
        String test = "#!/bin/sh\n"
                + "# Written by the Forgeline simulated agent (a deterministic simulation, not an AI).\n"
                + "# Checks lib/" + slug + ".sh for task " + task.specId() + "/" + task.taskId() + ".\n"
                + testPrelude
                + "here=$(cd \"$(dirname \"$0\")\" && pwd)\n"
                + ". \"$here/../lib/" + slug + ".sh\"\n"
                + "expected=" + shellQuote(line) + "\n"
                + "actual=$(" + function + ")\n"
                + "if [ \"$actual\" != \"$expected\" ]; then\n"
                + "  printf 'FAIL: " + function + " printed [%s], expected [%s]\\n' \"$actual\" \"$expected\" >&2\n"
                + "  exit 1\n"
                + "fi\n"
                + "echo 'PASS: " + function + "'\n";
        StringBuilder output = new StringBuilder();
        try {
            write(invocation.worktree().resolve("lib").resolve(slug + ".sh"), library);
            invocation.onOutput().accept("wrote lib/" + slug + ".sh");
            write(invocation.worktree().resolve("test").resolve(slug + "_test.sh"), test);
            invocation.onOutput().accept("wrote test/" + slug + "_test.sh");
            output.append("wrote lib/")
                    .append(slug)
                    .append(".sh\nwrote test/")
                    .append(slug)
                    .append("_test.sh");
        } catch (IOException e) {
            return new AgentRun(
                    1,
                    "simulated agent could not write its files: " + e.getMessage(),
                    usage(invocation, 0),
                    millisSince(started),
                    false);
        }
        return new AgentRun(
                0, output.toString(), usage(invocation, library.length() + test.length()), millisSince(started), false);
    }

    private AgentUsage usage(AgentInvocation invocation, int writtenChars) {
        if (faults.tokensPerTask() > 0) {
            return new AgentUsage(
                    invocation.agentProfile(ID),
                    ID,
                    "simulated",
                    faults.tokensPerTask() / 2,
                    faults.tokensPerTask() - faults.tokensPerTask() / 2,
                    0,
                    faults.costPerTask(),
                    "simulated",
                    false);
        }
        return new AgentUsage(
                invocation.agentProfile(ID),
                ID,
                "simulated",
                invocation.prompt().length() / 4,
                writtenChars / 4,
                0,
                faults.costPerTask() == null ? BigDecimal.ZERO : faults.costPerTask());
    }

    /**
     * Simulated work: waits {@code millis} (until the deadline for a hang), stopping early when asked.
     *
     * @return false when the deadline or a stop request ended it first
     */
    private static boolean work(AgentInvocation invocation, long millis) {
        if (millis <= 0) {
            return true;
        }
        long until = millis == Long.MAX_VALUE ? Long.MAX_VALUE : System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < until) {
            if (invocation.stop().getAsBoolean() || !java.time.Instant.now().isBefore(invocation.deadline())) {
                return false;
            }
            try {
                Thread.sleep(Math.min(100, Math.max(1, until - System.currentTimeMillis())));
            } catch (InterruptedException e) {
                // the worker is shutting down: stop like a killed process would
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** The attempt number from the worktree directory name ({@code a<n>}); 1 when it has another name. */
    static int attemptOf(Path worktree) {
        String name =
                worktree.getFileName() == null ? "" : worktree.getFileName().toString();
        return name.matches("a\\d+") ? Integer.parseInt(name.substring(1)) : 1;
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s+", " ");
    }

    /** Single-quoted for sh: nothing inside is expanded. */
    static String shellQuote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    private static String digest(String specId, String taskId, String title) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((specId + "\n" + taskId + "\n" + title).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
