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

    private void git(String date, String... args) throws Exception {
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
    }
}
