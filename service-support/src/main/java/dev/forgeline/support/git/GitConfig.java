package dev.forgeline.support.git;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How services run git ({@code forgeline.git.*}), and the credentials per host. Secrets are only ever read from
 * mounted files, e.g. {@code forgeline.git.hosts."github.com".token-file=/var/run/secrets/github/token}.
 */
@ConfigMapping(prefix = "forgeline.git")
public interface GitConfig {
    /** Longest a single git command (a clone of a large repository) may run before its process tree is killed. */
    @WithDefault("10m")
    Duration timeout();

    /** Limit of the reachability check ({@code git ls-remote}) made when a spec is submitted. */
    @WithDefault("20s")
    Duration lsRemoteTimeout();

    /** Tries of a command that failed on a held lock or a transient network error, the first included. */
    @WithDefault("4")
    int attempts();

    /** Wait before the second try; doubled for each further one. */
    @WithDefault("500ms")
    Duration backoff();

    /** Credentials per host name (lower case, without port), e.g. {@code hosts."gitlab.example.com"}. */
    Map<String, Host> hosts();

    interface Host {
        /** File holding an HTTPS access token (a personal access token, a GitLab token, ...). */
        Optional<Path> tokenFile();

        /** User name sent with the token: {@code x-access-token} suits GitHub, {@code oauth2} GitLab. */
        @WithDefault("x-access-token")
        String username();

        /** Private SSH key for {@code ssh://} and scp-style addresses of this host. */
        Optional<Path> sshKeyFile();

        /** known_hosts file the host key is checked against (strictly) for SSH. */
        Optional<Path> knownHostsFile();
    }
}
