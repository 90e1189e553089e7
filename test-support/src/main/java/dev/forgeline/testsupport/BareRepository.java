package dev.forgeline.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The git operations a fake hosting service ({@code FakeGitHub}, {@code FakeGitLab}) performs in a served bare
 * repository, with the git CLI: resolving refs, the three-way merge the host performs server-side ({@code git merge-tree --write-tree}, git's own merge machinery,
 * without a checkout), and updating a branch with compare-and-swap so a concurrent push is never lost.
 */
public final class BareRepository {
    private static final String EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

    private final Path dir;
    private final String committerName;
    private final String committerEmail;

    /** The bare repository at {@code dir}; commits the host makes name {@code committerName} as committer. */
    public BareRepository(Path dir, String committerName, String committerEmail) {
        this.committerName = committerName;
        this.committerEmail = committerEmail;
        this.dir = dir;
    }

    public boolean exists() {
        return Files.isRegularFile(dir.resolve("HEAD"));
    }

    /** The commit {@code branch} points at, if it exists. */
    public Optional<String> branch(String branch) {
        Result result = run(Map.of(), null, "rev-parse", "--verify", "--quiet", "refs/heads/" + branch + "^{commit}");
        return result.exitCode == 0 ? Optional.of(result.out.strip()) : Optional.empty();
    }

    /** A full commit id for a branch name or a (possibly abbreviated) commit id. */
    public Optional<String> resolve(String ref) {
        Optional<String> branch = branch(ref);
        if (branch.isPresent()) {
            return branch;
        }
        if (!ref.matches("[0-9a-fA-F]{4,40}")) {
            return Optional.empty();
        }
        Result result = run(Map.of(), null, "rev-parse", "--verify", "--quiet", ref + "^{commit}");
        return result.exitCode == 0 ? Optional.of(result.out.strip()) : Optional.empty();
    }

    public boolean isAncestor(String ancestor, String descendant) {
        return run(Map.of(), null, "merge-base", "--is-ancestor", ancestor, descendant).exitCode == 0;
    }

    /** The tree of merging {@code head} into {@code base}, or empty when they conflict. */
    public Optional<String> mergeTree(String base, String head) {
        Result result = run(Map.of(), null, "merge-tree", "--write-tree", "--no-messages", base, head);
        if (result.exitCode == 0) {
            return Optional.of(result.out.lines().findFirst().orElseThrow().strip());
        }
        if (result.exitCode == 1) {
            return Optional.empty();
        }
        throw new IllegalStateException("git merge-tree " + base + " " + head + " failed: " + result.err);
    }

    /** A new commit of {@code tree} with {@code parents}, authored by {@code author} and committed by the host. */
    public String commit(String tree, List<String> parents, String message, String authorName, String authorEmail) {
        List<String> args = new ArrayList<>(List.of("commit-tree", tree));
        for (String parent : parents) {
            args.add("-p");
            args.add(parent);
        }
        Map<String, String> env = Map.of(
                "GIT_AUTHOR_NAME",
                authorName,
                "GIT_AUTHOR_EMAIL",
                authorEmail,
                "GIT_COMMITTER_NAME",
                committerName,
                "GIT_COMMITTER_EMAIL",
                committerEmail);
        return check(run(env, message, args.toArray(String[]::new)), "commit-tree")
                .strip();
    }

    /** Moves {@code branch} from {@code expected} to {@code commit}; false when it no longer is at {@code expected}. */
    public boolean updateBranch(String branch, String commit, String expected) {
        return run(Map.of(), null, "update-ref", "refs/heads/" + branch, commit, expected).exitCode == 0;
    }

    /** A commit on top of {@code parent} that writes {@code content} to {@code path} (no checkout needed). */
    public String commitFile(String parent, String path, String content, String message) {
        Path index;
        try {
            index = Files.createTempFile("fake-host-index", "");
            Files.delete(index);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Map<String, String> env = Map.of("GIT_INDEX_FILE", index.toString());
            String blob = check(run(env, content, "hash-object", "-w", "--stdin"), "hash-object")
                    .strip();
            check(run(env, null, "read-tree", parent == null ? EMPTY_TREE : parent), "read-tree");
            check(
                    run(env, null, "update-index", "--add", "--cacheinfo", "100644," + blob + "," + path),
                    "update-index");
            String tree = check(run(env, null, "write-tree"), "write-tree").strip();
            return commit(
                    tree,
                    parent == null ? List.of() : List.of(parent),
                    message,
                    "Forgeline Test",
                    "test@forgeline.dev");
        } finally {
            try {
                Files.deleteIfExists(index);
            } catch (IOException e) {
                // a temporary index left behind is harmless
            }
        }
    }

    private record Result(int exitCode, String out, String err) {}

    private static String check(Result result, String what) {
        if (result.exitCode != 0) {
            throw new IllegalStateException("git " + what + " failed: " + result.err);
        }
        return result.out;
    }

    private Result run(Map<String, String> env, String input, String... args) {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        builder.environment().put("GIT_TERMINAL_PROMPT", "0");
        builder.environment().putAll(env);
        try {
            Process process = builder.start();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            try (var stdin = process.getOutputStream()) {
                if (input != null) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            String out = read(process.getInputStream());
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within 60 s");
            }
            return new Result(process.exitValue(), out, err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
