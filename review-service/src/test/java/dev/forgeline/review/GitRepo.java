package dev.forgeline.review;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.forgeline.testsupport.GitHttpServer;

/** A real git repository for tests, driven through the git CLI. */
final class GitRepo {
    final Path dir;
    private GitHttpServer server;
    private String name;

    private GitRepo(Path dir) {
        this.dir = dir;
    }

    /**
     * Serves this repository (all its branches) as {@code name} on {@code server}; from now on {@code origin} is
     * the served copy (this checkout authenticates with {@code token} in the URL, the service with its token file).
     */
    GitRepo serve(GitHttpServer server, String name, String token) {
        server.createRepository(name, dir);
        this.server = server;
        this.name = name;
        git("remote", "add", "origin", server.url(name).replace("http://", "http://x-access-token:" + token + "@"));
        git("fetch", "-q", "origin");
        return this;
    }

    /** The address attempts name: the served URL, else this checkout as a {@code file://} URL. */
    String url() {
        return server != null ? server.url(name) : "file://" + dir.toAbsolutePath();
    }

    /** Where {@code main} of the served repository is now. */
    String servedMain() {
        return server.head(name, "main").orElseThrow();
    }

    /** The content of {@code path} on the served {@code main}. */
    String servedFile(String path) {
        return server.show(name, "main", path);
    }

    /** Pushes {@code branch} of this checkout to the served repository. */
    void push(String branch) {
        git("push", "-q", "origin", branch + ":" + branch);
    }

    /** Makes this checkout's main the served main (fast-forward). */
    void pull() {
        git("pull", "-q", "--ff-only", "origin", "main");
    }

    /** {@code git init -b main} with one commit holding README.md. */
    static GitRepo init(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        GitRepo repo = new GitRepo(dir);
        repo.git("init", "-q", "-b", "main");
        repo.git("config", "user.name", "Test");
        repo.git("config", "user.email", "test@localhost");
        repo.git("config", "commit.gpgsign", "false");
        repo.commitFile("README.md", "# demo\n", "initial commit");
        return repo;
    }

    /** A bare clone of this repository (all its branches). */
    GitRepo bareClone(Path target) {
        git("clone", "-q", "--bare", dir.toString(), target.toString());
        return new GitRepo(target);
    }

    /**
     * Creates {@code forgeline/<spec>/<task>/a1} from main with one commit adding {@code file} of {@code lines}
     * lines, and checks main out again.
     */
    Attempt attemptBranch(String specId, String taskId, String file, int lines) {
        String branch = "forgeline/" + specId + "/" + taskId + "/a1";
        String base = rev("main");
        git("checkout", "-q", "-b", branch, "main");
        StringBuilder content = new StringBuilder();
        for (int i = 1; i <= lines; i++) {
            content.append("line ").append(i).append('\n');
        }
        String commit =
                commitFile(file, content.toString(), "Add " + file + "\n\nForgeline-Task: " + specId + "/" + taskId);
        git("checkout", "-q", "main");
        return new Attempt(branch, base, commit);
    }

    /** Like {@link #attemptBranch} for attempt {@code n} (branch {@code .../a<n>}), from the current main. */
    Attempt attemptBranch(String specId, String taskId, int n, String file, String content) {
        String branch = "forgeline/" + specId + "/" + taskId + "/a" + n;
        String base = rev("main");
        git("checkout", "-q", "-b", branch, "main");
        String commit = commitFile(
                file, content, "Attempt " + n + " of " + taskId + "\n\nForgeline-Task: " + specId + "/" + taskId);
        git("checkout", "-q", "main");
        return new Attempt(branch, base, commit);
    }

    String commitFile(String file, String content, String message) {
        try {
            Path path = dir.resolve(file);
            Files.createDirectories(path.getParent());
            Files.writeString(path, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        git("add", file);
        git("commit", "-q", "-m", message);
        return rev("HEAD");
    }

    String rev(String ref) {
        return git("rev-parse", ref);
    }

    int commitCount(String ref) {
        return Integer.parseInt(git("rev-list", "--count", ref));
    }

    /** Runs git in this repository, asserts it succeeded and returns its trimmed output. */
    String git(String... args) {
        Result result = run(args);
        assertThat(result.exitCode)
                .as("git %s: %s", String.join(" ", args), result.output)
                .isZero();
        return result.output.strip();
    }

    Result run(String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString()));
        command.addAll(List.of(args));
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Attempt(String branch, String baseCommit, String commit) {}

    record Result(int exitCode, String output) {}
}
