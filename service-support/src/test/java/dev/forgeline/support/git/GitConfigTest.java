package dev.forgeline.support.git;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

/** The {@code forgeline.git.*} mapping as SmallRye Config reads it in every service. */
class GitConfigTest {

    private static GitConfig read(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(GitConfig.class)
                // Quarkus' own reading of durations such as "10m"
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .build();
        return config.getConfigMapping(GitConfig.class);
    }

    @Test
    void aServiceWithoutGitSettingsGetsTheDefaultsAndNoHosts() {
        GitConfig config = read(Map.of());

        assertThat(config.timeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.lsRemoteTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(config.attempts()).isEqualTo(4);
        assertThat(config.hosts()).isEmpty();
    }

    @Test
    void hostsWithDotsAreQuotedKeys() {
        GitConfig config = read(Map.of(
                "forgeline.git.hosts.\"gitlab.com\".token-file", "/run/secrets/gitlab-token",
                "forgeline.git.hosts.\"gitlab.com\".username", "oauth2",
                "forgeline.git.hosts.\"git.example.com\".ssh-key-file", "/run/secrets/key",
                "forgeline.git.hosts.\"git.example.com\".known-hosts-file", "/run/secrets/known_hosts"));

        GitCredentials credentials = GitCredentials.from(config);
        assertThat(credentials.forHost("GitLab.com")).hasValueSatisfying(host -> {
            assertThat(host.tokenFile()).contains(Path.of("/run/secrets/gitlab-token"));
            assertThat(host.username()).isEqualTo("oauth2");
        });
        assertThat(credentials.forHost("git.example.com").orElseThrow().username())
                .isEqualTo("x-access-token");
        assertThat(credentials.sshCommand(RepositoryUrl.parse("git@git.example.com:team/tool.git", false)))
                .contains("ssh -i '/run/secrets/key' -o IdentitiesOnly=yes -o BatchMode=yes"
                        + " -o UserKnownHostsFile='/run/secrets/known_hosts' -o StrictHostKeyChecking=yes");
        assertThat(credentials.sshCommand(RepositoryUrl.parse("https://git.example.com/team/tool.git", false)))
                .isEmpty();
    }
}
