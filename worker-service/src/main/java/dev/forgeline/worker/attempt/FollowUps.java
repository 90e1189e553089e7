package dev.forgeline.worker.attempt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.forgeline.contracts.ProposalOrigin;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskProposal;
import dev.forgeline.support.process.SecretMasker;

/**
 * Follow-up work an agent proposes instead of doing it: {@code .forgeline/follow-ups.md} in its worktree, Forgeline
 * task Markdown with one {@code ## Task: <id> - <title>} (or {@code ## Task: <title>}) section per proposal. Each
 * section becomes a TASK_PROPOSED of origin AGENT; the file itself is removed so it is never committed. Proposal ids
 * derive from the lease and the section, so a redelivered proposal makes one task.
 */
public final class FollowUps {
    public static final String FILE = ".forgeline/follow-ups.md";
    private static final Pattern SECTION = Pattern.compile("(?m)^##\\s+Task:\\s*(.+)$");
    private static final Pattern FILES = Pattern.compile("(?mi)^Files:\\s*(.+)$");
    private static final Pattern BACKTICKED_PATH = Pattern.compile("`([A-Za-z0-9_./-]+\\.[A-Za-z0-9]+)`");

    private FollowUps() {}

    /** Reads and removes the follow-up file of a worktree; no file, no proposals. */
    public static List<TaskProposal> take(Path worktree, TaskLeased lease) throws IOException {
        Path file = worktree.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        String markdown = Files.readString(file, StandardCharsets.UTF_8);
        Files.delete(file);
        try {
            Files.deleteIfExists(file.getParent());
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            // other files of the repository live there
        }
        return parse(markdown, lease);
    }

    public static List<TaskProposal> parse(String markdown, TaskLeased lease) {
        List<TaskProposal> proposals = new ArrayList<>();
        Matcher heading = SECTION.matcher(markdown);
        List<int[]> bounds = new ArrayList<>();
        while (heading.find()) {
            bounds.add(new int[] {heading.start(), heading.end()});
        }
        for (int i = 0; i < bounds.size(); i++) {
            int start = bounds.get(i)[0];
            int end = i + 1 < bounds.size() ? bounds.get(i + 1)[0] : markdown.length();
            String section = markdown.substring(start, end).strip();
            String headingText = markdown.substring(start, bounds.get(i)[1])
                    .replaceFirst("^##\\s+Task:\\s*", "")
                    .strip();
            String title = headingText.contains(" - ")
                    ? headingText.substring(headingText.indexOf(" - ") + 3).strip()
                    : headingText;
            String text = SecretMasker.mask(section);
            UUID proposalId = UUID.nameUUIDFromBytes(
                    (lease.leaseId() + "\n" + i + "\n" + headingText).getBytes(StandardCharsets.UTF_8));
            proposals.add(new TaskProposal(
                    proposalId,
                    lease.task().specId(),
                    lease.task().taskId(),
                    ProposalOrigin.AGENT,
                    SecretMasker.mask(title),
                    text,
                    files(section),
                    "proposed by the agent of " + lease.task().taskId() + " attempt " + lease.attempt(),
                    null));
        }
        return proposals;
    }

    private static List<String> files(String section) {
        Set<String> files = new LinkedHashSet<>();
        Matcher listed = FILES.matcher(section);
        while (listed.find()) {
            for (String part : listed.group(1).split(",")) {
                String path = part.strip().replace("`", "");
                if (!path.isEmpty()) {
                    files.add(path);
                }
            }
        }
        Matcher quoted = BACKTICKED_PATH.matcher(section);
        while (quoted.find()) {
            if (quoted.group(1).contains("/")) {
                files.add(quoted.group(1));
            }
        }
        return List.copyOf(files);
    }
}
