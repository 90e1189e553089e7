package dev.forgeline.worker.service;

import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.worker.config.WorkerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The prompt an agent gets: the task's title, description, acceptance criteria and the command that will verify
 * the work. When it is too long the description and criteria are cut, never the test command and the rules.
 */
@ApplicationScoped
public class PromptBuilder {
    static final String CUT_MARKER = "\n[... cut to fit the prompt limit ...]\n";
    private final int maxChars;

    @Inject
    public PromptBuilder(WorkerConfig config) {
        this(config.promptMaxChars());
    }

    public PromptBuilder(int maxChars) {
        this.maxChars = maxChars;
    }

    public String build(TaskReady task) {
        String head = "# Task " + task.taskId() + ": " + nullToEmpty(task.title()) + "\n"
                + "Spec: " + nullToEmpty(task.specName()) + " (" + task.specId() + ")\n\n";
        StringBuilder body = new StringBuilder();
        if (task.description() != null && !task.description().isBlank()) {
            body.append("## Description\n").append(task.description().strip()).append("\n\n");
        }
        if (!task.acceptance().isEmpty()) {
            body.append("## Acceptance criteria\n");
            task.acceptance().forEach(criterion -> body.append("- ").append(criterion.strip()).append('\n'));
            body.append('\n');
        }
        StringBuilder tail = new StringBuilder("## How your work is checked\n");
        if (task.testCommand() == null || task.testCommand().isBlank()) {
            tail.append("The task names no test command; write tests that prove the acceptance criteria.\n\n");
        } else {
            tail.append("When you finish, the worker runs this command in the current directory; it must exit 0:\n\n")
                    .append("    ").append(task.testCommand().strip()).append("\n\n");
        }
        tail.append("## Rules\n")
                .append("- Make the tests pass.\n")
                .append("- Work only in the current directory (a git worktree of the repository); change nothing outside it.\n")
                .append("- Do not commit: the worker runs the tests itself and commits your changes.\n");
        return fit(head, body.toString(), tail.toString());
    }

    private String fit(String head, String body, String tail) {
        String prompt = head + body + tail;
        if (prompt.length() <= maxChars) {
            return prompt;
        }
        int room = maxChars - head.length() - tail.length() - CUT_MARKER.length();
        if (room > 0) {
            return head + body.substring(0, room) + CUT_MARKER + tail;
        }
        return prompt.substring(0, Math.max(0, maxChars));
    }

    private static String nullToEmpty(String text) {
        return text == null ? "" : text;
    }
}
