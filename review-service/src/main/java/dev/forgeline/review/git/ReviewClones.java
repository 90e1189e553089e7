package dev.forgeline.review.git;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.forgeline.review.config.ReviewConfig;
import dev.forgeline.review.config.ReviewConfig.MergeMode;
import dev.forgeline.review.config.ReviewConfig.RepositorySettings;
import dev.forgeline.support.git.GitCommand;
import dev.forgeline.support.git.GitException;
import dev.forgeline.support.git.GitFailure;
import dev.forgeline.support.git.GitRunner;
import dev.forgeline.support.git.RepositoryUrl;

/**
 * The review service's own clone of each repository, named from its URL ({@code clones/<name>-<hash>.git} under
 * the workspace) and fetched before every use: the review never reads a worker's filesystem. Each clone is bare;
 * the remote's branches are under {@code refs/remotes/origin/}, an attempt's fetched commit under
 * {@code refs/forgeline/review/<commit>} (so it outlives its branch being deleted on the remote).
 */
@ApplicationScoped
public class ReviewClones {
    private final GitRunner git;
    private final Path root;
    private final ReviewConfig config;

    @Inject
    public ReviewClones(GitRunner git, ReviewConfig config) {
        this.git = git;
        this.root = config.workspace().toAbsolutePath().normalize();
        this.config = config;
    }

    /** Without configuration (tests): every repository merges directly. */
    public ReviewClones(GitRunner git, Path workspace) {
        this.git = git;
        this.root = workspace.toAbsolutePath().normalize();
        this.config = null;
    }

    /** The address of a repository as attempts name it (a local path is taken as a {@code file://} URL). */
    public static RepositoryUrl url(String repository) {
        return RepositoryUrl.parse(repository, true);
    }

    /** The remote-tracking ref of {@code branch} in a clone: the remote's branch as last fetched. */
    public static String remoteBranch(String branch) {
        return "refs/remotes/origin/" + branch;
    }

    /** The directory of the clone of {@code url}: a readable name plus a hash of the URL. */
    public Path path(RepositoryUrl url) {
        String text = url.toString();
        return root.resolve("clones").resolve(url.name() + "-" + sha1(text).substring(0, 12) + ".git");
    }

    /** Clones {@code url} on first use, fetches it after; returns the clone. */
    public Path fetch(RepositoryUrl url) {
        Path clone = path(url);
        git.cloneOrFetch(url, clone);
        return clone;
    }

    /**
     * Fetches the repository and the attempt's {@code fetchRef} (the ref the worker pushed its commit to);
     * returns the clone, which then holds {@code commit}.
     *
     * @throws GitException when the remote cannot be fetched, or the commit is on neither the ref nor in the clone
     */
    public Path fetchAttempt(String repository, String fetchRef, String commit) {
        RepositoryUrl url = url(repository);
        Path clone = fetch(url);
        String keep = "refs/forgeline/review/" + commit;
        if (!hasCommit(clone, commit)) {
            git.run(GitCommand.in(clone, "fetch", "--quiet", "origin", "+" + fetchRef + ":" + keep)
                    .remote(url));
        } else if (!git.exec(GitCommand.in(clone, "rev-parse", "--verify", "--quiet", keep))
                .ok()) {
            git.run(clone, "update-ref", keep, commit);
        }
        if (!hasCommit(clone, commit)) {
            throw new GitException(
                    GitFailure.OTHER,
                    "fetch origin " + fetchRef,
                    -1,
                    "commit " + commit + " is not on " + fetchRef + " of " + url.display());
        }
        return clone;
    }

    public boolean hasCommit(Path clone, String commit) {
        return git.exec(GitCommand.in(clone, "rev-parse", "--verify", "--quiet", commit + "^{commit}"))
                .ok();
    }

    /** The merge mode of a repository: its own setting, else the default ({@code direct}). */
    public MergeMode mergeMode(RepositoryUrl url) {
        if (config == null) {
            return MergeMode.DIRECT;
        }
        return settings(url).flatMap(RepositorySettings::mergeMode).orElse(config.mergeMode());
    }

    /**
     * The settings of a repository: those of the longest configured key that names it or a parent of it (a
     * host, a group), compared without case and without a trailing {@code .git}.
     */
    public Optional<RepositorySettings> settings(RepositoryUrl url) {
        if (config == null) {
            return Optional.empty();
        }
        String display = withoutGit(url.display().toLowerCase(Locale.ROOT));
        String full = withoutGit(url.toString().toLowerCase(Locale.ROOT));
        RepositorySettings best = null;
        int bestLength = -1;
        for (var entry : config.repositories().entrySet()) {
            String key = withoutGit(entry.getKey().strip().toLowerCase(Locale.ROOT));
            while (key.endsWith("/")) {
                key = key.substring(0, key.length() - 1);
            }
            boolean names = key.equals(display)
                    || key.equals(full)
                    || display.startsWith(key + "/")
                    || full.startsWith(key + "/");
            if (names && key.length() > bestLength) {
                best = entry.getValue();
                bestLength = key.length();
            }
        }
        return Optional.ofNullable(best);
    }

    private static String withoutGit(String value) {
        return value.endsWith(".git") ? value.substring(0, value.length() - 4) : value;
    }

    /**
     * Whether a push to {@code url} goes to a local non-bare repository: git refuses a push to its checked-out
     * branch unless the receiving side allows {@code receive.denyCurrentBranch=updateInstead}.
     */
    public static boolean isLocalWorkTree(RepositoryUrl url) {
        return url.localPath().map(p -> Files.exists(p.resolve(".git"))).orElse(false);
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
