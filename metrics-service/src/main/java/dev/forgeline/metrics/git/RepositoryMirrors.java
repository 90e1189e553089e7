package dev.forgeline.metrics.git;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Supplier;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.metrics.config.MetricsConfig;
import dev.forgeline.support.git.GitCommand;
import dev.forgeline.support.git.GitResult;
import dev.forgeline.support.git.GitRunner;
import dev.forgeline.support.git.RepositoryUrl;

/**
 * The metrics service's own bare mirrors of the repositories tasks name, under
 * {@code forgeline.metrics.retention.mirrors}: the service shares no filesystem with the workers or the review
 * service, so it never reads the repository an event names, only its mirror, cloned and fetched through the one
 * git layer (credentials per host from {@code forgeline.git.hosts}).
 */
@ApplicationScoped
public class RepositoryMirrors {
    private final GitRunner git;
    private final MetricsConfig config;

    public RepositoryMirrors(GitRunner git, MetricsConfig config) {
        this.git = git;
        this.config = config;
    }

    /** The mirror directory of a repository: readable name plus a hash of its normalised URL. */
    public Path mirrorOf(RepositoryUrl url) {
        return Path.of(config.retention().mirrors())
                .toAbsolutePath()
                .normalize()
                .resolve(url.name() + "-" + sha1(url.toString()).substring(0, 12) + ".git");
    }

    /**
     * Clones (first time) or fetches the mirror of {@code repository} and points its {@code refs/heads/<branch>}
     * at the remote's branch (removed when the remote has none), so a scan sees the branch as it is now.
     *
     * @throws dev.forgeline.support.git.GitException the remote could not be cloned or fetched
     * @throws dev.forgeline.support.git.InvalidRepositoryUrlException the events name no usable address
     */
    public Path refresh(String repository, String branch) {
        RepositoryUrl url = RepositoryUrl.parse(repository, true);
        Path mirror = mirrorOf(url);
        return git.locked(mirror, () -> {
            git.cloneOrFetch(url, mirror);
            // the mirror's own branch follows the remote's: the scanner reads refs/heads/<branch>
            GitResult remote = git.exec(GitCommand.in(
                    mirror, "rev-parse", "--verify", "--quiet", "refs/remotes/origin/" + branch + "^{commit}"));
            if (remote.ok()) {
                git.run(mirror, "update-ref", "refs/heads/" + branch, remote.out());
            } else {
                git.exec(GitCommand.in(mirror, "update-ref", "-d", "refs/heads/" + branch));
            }
            return mirror;
        });
    }

    /** Runs {@code work} on a mirror while no fetch changes it. */
    public <T> T whileUnchanged(Path mirror, Supplier<T> work) {
        return git.locked(mirror, work);
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
