package dev.forgeline.support.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Credentials per host, every secret in a mounted file. git is told where the file is, never what is in it: an
 * HTTPS token reaches git through a credential helper that reads the file when the server asks (after a 401),
 * an SSH key through {@code GIT_SSH_COMMAND -i <file>}. So no secret is on a command line, in an environment
 * value or in a log.
 */
public final class GitCredentials {
    /** The files of one host. */
    public record Host(
            Optional<Path> tokenFile, String username, Optional<Path> sshKeyFile, Optional<Path> knownHostsFile) {
        public Host {
            username = username == null || username.isBlank() ? "x-access-token" : username;
        }

        public static Host token(Path tokenFile, String username) {
            return new Host(Optional.of(tokenFile), username, Optional.empty(), Optional.empty());
        }

        public static Host ssh(Path keyFile, Path knownHostsFile) {
            return new Host(Optional.empty(), null, Optional.of(keyFile), Optional.ofNullable(knownHostsFile));
        }
    }

    private final Map<String, Host> hosts;

    private GitCredentials(Map<String, Host> hosts) {
        Map<String, Host> copy = new LinkedHashMap<>();
        hosts.forEach((host, entry) -> copy.put(host.toLowerCase(Locale.ROOT), entry));
        this.hosts = Map.copyOf(copy);
    }

    public static GitCredentials none() {
        return new GitCredentials(Map.of());
    }

    public static GitCredentials of(Map<String, Host> hosts) {
        return new GitCredentials(hosts);
    }

    public static GitCredentials from(GitConfig config) {
        Map<String, Host> hosts = new LinkedHashMap<>();
        config.hosts()
                .forEach((host, entry) -> hosts.put(
                        host,
                        new Host(entry.tokenFile(), entry.username(), entry.sshKeyFile(), entry.knownHostsFile())));
        return new GitCredentials(hosts);
    }

    public Optional<Host> forHost(String host) {
        return Optional.ofNullable(host == null ? null : hosts.get(host.toLowerCase(Locale.ROOT)));
    }

    /**
     * {@code -c} options for every command: inherited credential helpers are switched off, then one helper
     * answers for the configured hosts by reading their token files.
     */
    List<String> configOptions() {
        List<String> options = new ArrayList<>(List.of("-c", "credential.helper="));
        StringBuilder cases = new StringBuilder();
        hosts.forEach((host, entry) -> entry.tokenFile()
                .ifPresent(file -> cases.append(shellQuote(host))
                        .append('|')
                        .append(shellQuote(host + ":"))
                        .append("*) u=")
                        .append(shellQuote(entry.username()))
                        .append("; t=")
                        .append(shellQuote(file.toAbsolutePath().toString()))
                        .append(";; ")));
        if (!cases.isEmpty()) {
            // git sends "host=<host>[:<port>]" on stdin; the helper answers "get" for a configured host only
            String helper = "!f() { test \"$1\" = get || exit 0; h=; while IFS= read -r l; do case \"$l\" in "
                    + "host=*) h=\"${l#host=}\";; esac; done; t=; case \"$h\" in " + cases + "esac; "
                    + "test -n \"$t\" && test -r \"$t\" || exit 0; "
                    + "printf 'username=%s\\npassword=%s\\n' \"$u\" \"$(tr -d '\\r\\n' < \"$t\")\"; }; f";
            options.addAll(List.of("-c", "credential.helper=" + helper));
        }
        return options;
    }

    /** {@code GIT_SSH_COMMAND} for a remote whose host has an SSH key. */
    Optional<String> sshCommand(RepositoryUrl remote) {
        if (remote == null || remote.scheme() != RepositoryUrl.Scheme.SSH) {
            return Optional.empty();
        }
        return forHost(remote.host())
                .flatMap(host -> host.sshKeyFile().map(key -> {
                    StringBuilder command = new StringBuilder("ssh -i ")
                            .append(shellQuote(key.toAbsolutePath().toString()))
                            .append(" -o IdentitiesOnly=yes -o BatchMode=yes");
                    host.knownHostsFile()
                            .ifPresent(knownHosts -> command.append(" -o UserKnownHostsFile=")
                                    .append(shellQuote(
                                            knownHosts.toAbsolutePath().toString())));
                    command.append(" -o StrictHostKeyChecking=yes");
                    return command.toString();
                }));
    }

    /** The secrets that must never be printed: the contents of every token file, read now. */
    List<String> secrets() {
        List<String> secrets = new ArrayList<>();
        for (Host host : hosts.values()) {
            host.tokenFile().ifPresent(file -> {
                try {
                    String token =
                            Files.readString(file, StandardCharsets.UTF_8).strip();
                    if (token.length() >= 4) {
                        secrets.add(token);
                    }
                } catch (IOException e) {
                    // an unreadable token file is reported by git as a failed authentication
                }
            });
        }
        return secrets;
    }

    static String shellQuote(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
