package dev.forgeline.metrics.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A real git repository (git CLI) with a history like the build engine leaves on main: task commits with the
 * worker's trailer, one merged with the review service's --no-ff merge, and later commits by people that delete
 * and rewrite part of the task output.
 *
 * <ul>
 * <li>week of 2026-01-12: spec {@code specA}: T1 adds a.txt (10 lines), T2 adds b.txt (5 lines) on a branch merged
 * --no-ff; a person then deletes 4 lines of a.txt and rewrites 1 line of b.txt: generated 15, surviving 10.</li>
 * <li>week of 2026-01-19: spec {@code specB}: T1 adds c.txt (3 lines); a person deletes 1: generated 3,
 * surviving 2.</li>
 * </ul>
 */
public final class TaskHistoryRepository {
    private final Path dir;

    private TaskHistoryRepository(Path dir) {
        this.dir = dir;
    }

    public static TaskHistoryRepository create(Path dir, String specA, String specB) throws Exception {
        TaskHistoryRepository repo = new TaskHistoryRepository(dir);
        repo.git(null, "init", "-q", "-b", "main");
        repo.write("README.md", List.of("target repository"));
        repo.commit("2026-01-12T09:00:00Z", "Initial commit");
        repo.write("a.txt", lines("a", 10));
        repo.commit("2026-01-13T10:00:00Z", "T1: a\n\nForgeline-Task: " + specA + "/T1\nForgeline-Attempt: 1");
        repo.git(null, "checkout", "-q", "-b", "forgeline/" + specA + "/T2/a2");
        repo.write("b.txt", lines("b", 5));
        repo.commit("2026-01-14T10:00:00Z", "T2: b\n\nForgeline-Task: " + specA + "/T2\nForgeline-Attempt: 2");
        repo.git(null, "checkout", "-q", "main");
        repo.git(
                "2026-01-14T11:00:00Z",
                "merge",
                "-q",
                "--no-ff",
                "-m",
                "Merge forgeline/" + specA + "/T2/a2",
                "-m",
                "Forgeline-Task: " + specA + "/T2",
                "forgeline/" + specA + "/T2/a2");
        List<String> a = new ArrayList<>(lines("a", 10));
        a.subList(0, 4).clear();
        repo.write("a.txt", a);
        List<String> b = new ArrayList<>(lines("b", 5));
        b.set(0, "b 1 rewritten by a person");
        repo.write("b.txt", b);
        repo.commit("2026-01-20T09:00:00Z", "Tidy a and b");
        repo.write("c.txt", lines("c", 3));
        repo.commit("2026-01-21T10:00:00Z", "T1: c\n\nForgeline-Task: " + specB + "/T1\nForgeline-Attempt: 1");
        repo.write("c.txt", lines("c", 2));
        repo.commit("2026-01-22T10:00:00Z", "Drop the last line of c");
        return repo;
    }

    /**
     * A repository, all in the week of 2026-01-12, whose spec {@code spec} has T1 add d.txt (d 1..d 4) and T2 rewrite
     * d 1 and d 2 on a branch merged --no-ff. The review service then reverts T2's merge as it does (git revert -m 1
     * of the merge, committed with a {@code Forgeline-Revert} trailer and the task's {@code Forgeline-Task}
     * trailer), which brings d 1 and d 2 back; T3 deletes d 4, and T4's work is a plain {@code git revert} of T3
     * (git's "This reverts commit" message, with the worker's trailer), which brings d 4 back.
     *
     * <p>Task output: generated 4 (T1) + 2 (T2) + 0 (T3) = 6; surviving 1 (d 3 of T1): the lines the reverts
     * restored are not task output, and blame gives them to the revert commits.
     */
    public static TaskHistoryRepository createWithReverts(Path dir, String spec) throws Exception {
        TaskHistoryRepository repo = new TaskHistoryRepository(dir);
        repo.git(null, "init", "-q", "-b", "main");
        repo.write("README.md", List.of("target repository"));
        repo.commit("2026-01-12T09:00:00Z", "Initial commit");
        repo.write("d.txt", lines("d", 4));
        repo.commit("2026-01-12T10:00:00Z", "T1: d\n\nForgeline-Task: " + spec + "/T1\nForgeline-Attempt: 1");
        repo.git(null, "checkout", "-q", "-b", "forgeline/" + spec + "/T2/a1");
        List<String> d = new ArrayList<>(lines("d", 4));
        d.set(0, "d 1 rewritten by T2");
        d.set(1, "d 2 rewritten by T2");
        repo.write("d.txt", d);
        repo.commit("2026-01-13T10:00:00Z", "T2: d\n\nForgeline-Task: " + spec + "/T2\nForgeline-Attempt: 1");
        repo.git(null, "checkout", "-q", "main");
        repo.git(
                "2026-01-13T11:00:00Z",
                "merge",
                "-q",
                "--no-ff",
                "-m",
                "Merge forgeline/" + spec + "/T2/a1",
                "-m",
                "Forgeline-Task: " + spec + "/T2",
                "forgeline/" + spec + "/T2/a1");
        String merge = repo.git(null, "rev-parse", "HEAD").strip();
        repo.git(null, "revert", "--no-commit", "-m", "1", merge);
        repo.git(
                "2026-01-14T09:00:00Z",
                "commit",
                "-q",
                "-m",
                "Revert " + spec + "/T2: main is red",
                "-m",
                "Forgeline-Revert: " + merge + "\nForgeline-Task: " + spec + "/T2");
        repo.write("d.txt", lines("d", 3));
        repo.commit("2026-01-14T10:00:00Z", "T3: d\n\nForgeline-Task: " + spec + "/T3\nForgeline-Attempt: 1");
        String t3 = repo.git(null, "rev-parse", "HEAD").strip();
        repo.git(null, "revert", "--no-commit", t3);
        repo.git(
                "2026-01-15T10:00:00Z",
                "commit",
                "-q",
                "-m",
                "Revert \"T3: d\"",
                "-m",
                "This reverts commit " + t3 + ".",
                "-m",
                "Forgeline-Task: " + spec + "/T4\nForgeline-Attempt: 1");
        return repo;
    }

    /** A person rewrites {@code file} to its first {@code keep} lines of the {@code prefix} series. */
    public void personTruncates(String file, String prefix, int keep, String date) throws Exception {
        write(file, lines(prefix, keep));
        commit(date, "Trim " + file);
    }

    /** Pushes main to a remote (a served repository), as a person's push to the shared repository does. */
    public void pushTo(String url) throws Exception {
        git(null, "push", "-q", url, "main:main");
    }

    public Path dir() {
        return dir;
    }

    private static List<String> lines(String prefix, int n) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> prefix + " " + i).collect(Collectors.toList());
    }

    private void write(String file, List<String> lines) throws IOException {
        Files.writeString(dir.resolve(file), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    private void commit(String date, String message) throws Exception {
        git(null, "add", "-A");
        git(date, "commit", "-q", "-m", message);
    }

    private String git(String date, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                "git", "-c", "user.name=Test", "-c", "user.email=test@localhost", "-c", "commit.gpgsign=false"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        if (date != null) {
            env.put("GIT_AUTHOR_DATE", date);
            env.put("GIT_COMMITTER_DATE", date);
        }
        Process process = pb.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("git " + String.join(" ", args) + " failed: " + output);
        }
        return output;
    }
}
