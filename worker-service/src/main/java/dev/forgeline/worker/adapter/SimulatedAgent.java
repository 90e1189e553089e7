package dev.forgeline.worker.adapter;

import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.contracts.payload.TaskReady;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

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
        return "forgeline simulated " + task.specId() + "/" + task.taskId() + " " + digest(task.specId(), task.taskId(), title)
                + ": " + title;
    }

    @Override
    public AgentRun run(AgentInvocation invocation) {
        long started = System.nanoTime();
        TaskReady task = invocation.task();
        String slug = slug(task.taskId());
        String function = functionName(task.taskId());
        String line = expectedLine(task);
        String title = oneLine(task.title());
        String library = "# Written by the Forgeline simulated agent (a deterministic simulation, not an AI).\n"
                + "# Task " + task.specId() + "/" + task.taskId() + ": " + title + "\n"
                + function + "() {\n"
                + "  printf '%s\\n' " + shellQuote(line) + "\n"
                + "}\n";
        String test = "#!/bin/sh\n"
                + "# Written by the Forgeline simulated agent (a deterministic simulation, not an AI).\n"
                + "# Checks lib/" + slug + ".sh for task " + task.specId() + "/" + task.taskId() + ".\n"
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
            output.append("wrote lib/").append(slug).append(".sh\nwrote test/").append(slug).append("_test.sh");
        } catch (IOException e) {
            return new AgentRun(1, "simulated agent could not write its files: " + e.getMessage(),
                    usage(invocation, 0), millisSince(started), false);
        }
        return new AgentRun(0, output.toString(), usage(invocation, library.length() + test.length()),
                millisSince(started), false);
    }

    private static AgentUsage usage(AgentInvocation invocation, int writtenChars) {
        return new AgentUsage(invocation.agentProfile(ID), ID, "simulated", invocation.prompt().length() / 4,
                writtenChars / 4, 0, BigDecimal.ZERO);
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
