package dev.forgeline.worker.attempt;

import java.util.ArrayList;
import java.util.List;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.payload.DependencySummary;
import dev.forgeline.contracts.payload.PreviousAttempt;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.support.process.SecretMasker;
import dev.forgeline.worker.config.WorkerConfig;

/**
 * The prompt an agent gets: the task's title, description and acceptance criteria, what its merged dependencies
 * did, on a retry why the previous attempt failed (class, detail, reviewer comment, output tail), and the command
 * that will verify the work, all within {@code prompt-max-chars}.
 *
 * <p>When the prompt is too long, sections are cut in this order, each only as far as needed:
 * <ol>
 * <li>the dependency summaries (their end is cut);</li>
 * <li>the previous attempt's output tail (its beginning is cut: the last lines say most about a failure);</li>
 * <li>the description (its end is cut);</li>
 * <li>the acceptance criteria (their end is cut).</li>
 * </ol>
 * The heading, the previous failure's class, detail and reviewer comment, the test command and the rules are never
 * cut, unless the limit is smaller than they are (then the prompt is simply cut at the limit). The whole prompt
 * passes the secret masker.
 */
@ApplicationScoped
public class PromptBuilder {
    static final String CUT_MARKER = "\n[... cut to fit the prompt limit ...]\n";
    static final String FOLLOW_UPS_FILE = ".forgeline/follow-ups.md";
    private final int maxChars;

    @Inject
    public PromptBuilder(WorkerConfig config) {
        this(config.promptMaxChars());
    }

    public PromptBuilder(int maxChars) {
        this.maxChars = maxChars;
    }

    /** How a section gives way when the prompt is too long. */
    enum Cut {
        NEVER,
        KEEP_START,
        KEEP_END
    }

    private static final class Section {
        final String name;
        final Cut cut;
        final int cutRank;
        String text;

        Section(String name, String text, Cut cut, int cutRank) {
            this.name = name;
            this.text = text;
            this.cut = cut;
            this.cutRank = cutRank;
        }
    }

    /** The prompt of a first attempt (no previous attempt). */
    public String build(TaskReady task) {
        return build(task, null);
    }

    public String build(TaskLeased lease) {
        return build(lease.task(), lease.previous());
    }

    public String build(TaskReady task, PreviousAttempt previous) {
        List<Section> sections = new ArrayList<>();
        sections.add(new Section(
                "head",
                "# Task " + task.taskId() + ": " + nullToEmpty(task.title()) + "\n" + "Spec: "
                        + nullToEmpty(task.specName()) + " (" + task.specId() + ")\n\n",
                Cut.NEVER,
                0));
        if (task.description() != null && !task.description().isBlank()) {
            sections.add(new Section(
                    "description", "## Description\n" + task.description().strip() + "\n\n", Cut.KEEP_START, 3));
        }
        if (!task.acceptance().isEmpty()) {
            StringBuilder criteria = new StringBuilder("## Acceptance criteria\n");
            task.acceptance()
                    .forEach(criterion ->
                            criteria.append("- ").append(criterion.strip()).append('\n'));
            sections.add(new Section("acceptance", criteria.append('\n').toString(), Cut.KEEP_START, 4));
        }
        if (!task.dependencySummaries().isEmpty()) {
            StringBuilder deps = new StringBuilder("## Work this task builds on (merged)\n");
            for (DependencySummary dep : task.dependencySummaries()) {
                deps.append("- ").append(dep.taskId()).append(": ").append(nullToEmpty(dep.title()));
                if (dep.mergeCommit() != null) {
                    deps.append(" (commit ")
                            .append(
                                    dep.mergeCommit(),
                                    0,
                                    Math.min(12, dep.mergeCommit().length()))
                            .append(')');
                }
                deps.append('\n');
                if (!dep.files().isEmpty()) {
                    deps.append("  files: ")
                            .append(String.join(", ", dep.files()))
                            .append('\n');
                }
                if (dep.summary() != null && !dep.summary().isBlank()) {
                    deps.append("  ")
                            .append(dep.summary().strip().replace("\n", "\n  "))
                            .append('\n');
                }
            }
            sections.add(new Section("dependencies", deps.append('\n').toString(), Cut.KEEP_START, 1));
        }
        if (previous != null) {
            StringBuilder why = new StringBuilder("## This is a retry: attempt ")
                    .append(previous.attempt())
                    .append(" failed\n");
            if (previous.failureClass() != null) {
                why.append("Failure class: ").append(previous.failureClass()).append('\n');
            }
            if (previous.detail() != null && !previous.detail().isBlank()) {
                why.append("Detail: ").append(previous.detail().strip()).append('\n');
            }
            if (previous.failureClass() == FailureClass.CONTEXT_EXHAUSTED) {
                // a fresh session on the same context size: what it reads is what decides whether it fits
                why.append("The previous attempt ran out of the model's context. Keep your working set small: read")
                        .append(" only the files this task needs, search rather than read whole files, and do not")
                        .append(" print large outputs.\n");
            }
            if (previous.reviewComment() != null && !previous.reviewComment().isBlank()) {
                why.append("A reviewer asked for changes:\n")
                        .append(previous.reviewComment().strip())
                        .append('\n');
            }
            sections.add(new Section("previous", why.append('\n').toString(), Cut.NEVER, 0));
            if (previous.outputTail() != null && !previous.outputTail().isBlank()) {
                sections.add(new Section(
                        "previous-output",
                        "### End of the previous attempt's output\n```\n"
                                + previous.outputTail().strip() + "\n```\n\n",
                        Cut.KEEP_END,
                        2));
            }
        }
        StringBuilder checked = new StringBuilder("## How your work is checked\n");
        if (task.testCommand() == null || task.testCommand().isBlank()) {
            checked.append("The task names no test command; write tests that prove the acceptance criteria.\n\n");
        } else {
            checked.append(
                            "When you finish, the worker runs this command in the current directory; it must exit 0:\n\n")
                    .append("    ")
                    .append(task.testCommand().strip())
                    .append("\n\n");
        }
        checked.append("## Rules\n")
                .append("- Make the tests pass.\n")
                .append(
                        "- Work only in the current directory (a git worktree of the repository); change nothing outside it.\n")
                .append("- Do not commit: the worker runs the tests itself and commits your changes.\n")
                .append("- Do not delete, disable or weaken tests, assertions, coverage or lint settings.\n")
                .append("- Work you find that belongs in another task: describe it in ")
                .append(FOLLOW_UPS_FILE)
                .append(" as `## Task: <title>` sections instead of doing it.\n");
        sections.add(new Section("checked", checked.toString(), Cut.NEVER, 0));
        return SecretMasker.mask(fit(sections));
    }

    private String fit(List<Section> sections) {
        List<Section> cutOrder = sections.stream()
                .filter(s -> s.cut != Cut.NEVER)
                .sorted(java.util.Comparator.comparingInt(s -> s.cutRank))
                .toList();
        for (Section section : cutOrder) {
            int over = length(sections) - maxChars;
            if (over <= 0) {
                break;
            }
            int keep = section.text.length() - over - CUT_MARKER.length();
            if (keep <= 0) {
                section.text = "";
            } else if (section.cut == Cut.KEEP_START) {
                section.text = section.text.substring(0, keep) + CUT_MARKER;
            } else {
                section.text = CUT_MARKER + section.text.substring(section.text.length() - keep);
            }
        }
        StringBuilder prompt = new StringBuilder();
        sections.forEach(s -> prompt.append(s.text));
        return prompt.length() <= maxChars ? prompt.toString() : prompt.substring(0, Math.max(0, maxChars));
    }

    private static int length(List<Section> sections) {
        return sections.stream().mapToInt(s -> s.text.length()).sum();
    }

    private static String nullToEmpty(String text) {
        return text == null ? "" : text;
    }
}
