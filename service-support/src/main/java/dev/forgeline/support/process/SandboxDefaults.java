package dev.forgeline.support.process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.forgeline.support.git.GitConfig;

/** What every service masks in its sandboxes: its credential files, its own configuration, its home's credentials. */
public final class SandboxDefaults {
    /** Credential places in the home of the user running a service (agents' own configuration included). */
    public static final List<String> HOME_CREDENTIALS = List.of(
            ".ssh",
            ".git-credentials",
            ".netrc",
            ".aws",
            ".azure",
            ".config",
            ".docker",
            ".kube",
            ".gnupg",
            ".npmrc",
            ".pypirc",
            ".claude",
            ".claude.json",
            ".codex",
            ".gemini",
            ".aider.conf.yml");

    private SandboxDefaults() {}

    /**
     * The home's credential places, the service's {@code config/} directory and {@code .env} (Quarkus reads both
     * from its working directory), the git hosts' token and key files, and {@code extra}.
     */
    public static List<Path> hiddenPaths(GitConfig git, List<Path> extra) {
        Set<Path> hidden = new LinkedHashSet<>();
        String home = System.getProperty("user.home");
        if (home != null && !home.isBlank()) {
            HOME_CREDENTIALS.forEach(name -> hidden.add(Path.of(home, name)));
        }
        hidden.add(Path.of("config").toAbsolutePath());
        hidden.add(Path.of(".env").toAbsolutePath());
        if (git != null) {
            git.hosts().values().forEach(host -> {
                host.tokenFile().ifPresent(hidden::add);
                host.sshKeyFile().ifPresent(hidden::add);
            });
        }
        hidden.addAll(extra);
        return new ArrayList<>(hidden);
    }
}
