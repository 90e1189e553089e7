package dev.forgeline.worker.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.forgeline.support.process.SecretMasker;
import dev.forgeline.worker.config.WorkerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Profiles resolved from configuration: adapter, price (profile's own or the table's), key from a mounted file. */
class AgentProfilesTest {
    @TempDir
    Path dir;

    private static final Map<String, AgentAdapter> ADAPTERS =
            Map.of("codex", new CodexAgent(40), "gemini", new GeminiAgent(40));

    record Profile(
            String adapter,
            Optional<String> model,
            Optional<BigDecimal> inputPrice,
            Optional<BigDecimal> outputPrice,
            Optional<String> apiKey,
            Optional<String> apiKeyFile,
            Optional<String> apiKeyEnv)
            implements WorkerConfig.Profile {
        @Override
        public Optional<Integer> contextTokens() {
            return Optional.of(272_000);
        }

        @Override
        public Optional<String> provider() {
            return Optional.empty();
        }

        @Override
        public Optional<BigDecimal> cachedPrice() {
            return Optional.empty();
        }

        @Override
        public Optional<String> executable() {
            return Optional.empty();
        }

        @Override
        public Optional<List<String>> args() {
            return Optional.empty();
        }
    }

    record Price(BigDecimal input, BigDecimal output, Optional<BigDecimal> cached) implements WorkerConfig.Price {}

    private static AgentProfile resolve(Profile profile) {
        return AgentProfiles.resolve(
                "p",
                profile,
                Map.of(
                        "gpt-5-mini",
                        new Price(new BigDecimal("0.25"), new BigDecimal("2"), Optional.of(new BigDecimal("0.025")))),
                id -> Optional.ofNullable(ADAPTERS.get(id)));
    }

    @Test
    void theKeyOfAMountedFileGoesIntoTheAdaptersVariableAndIsMaskedFromThenOn() throws Exception {
        Path keyFile = dir.resolve("openai-key");
        Files.writeString(keyFile, "mounted-canary-0c9e1d2f3a4b\n");

        AgentProfile profile = resolve(new Profile(
                "codex",
                Optional.of("gpt-5-mini"),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.of(keyFile.toString()),
                Optional.empty()));

        assertThat(profile.environment()).containsExactly(Map.entry("OPENAI_API_KEY", "mounted-canary-0c9e1d2f3a4b"));
        assertThat(profile.toString()).doesNotContain("mounted-canary");
        assertThat(SecretMasker.mask("key is mounted-canary-0c9e1d2f3a4b")).isEqualTo("key is ***");
        assertThat(profile.contextTokens()).isEqualTo(272_000);
        // no profile price: the table's price for the model
        assertThat(profile.price().cost(1_000_000, 1_000_000, 1_000_000)).isEqualByComparingTo("2.275");
    }

    @Test
    void aProfilePriceOverridesTheTableAndTheKeyVariableCanBeNamed() {
        AgentProfile profile = resolve(new Profile(
                "gemini",
                Optional.of("gpt-5-mini"),
                Optional.of(BigDecimal.ONE),
                Optional.of(BigDecimal.TEN),
                Optional.of("inline-key-123456"),
                Optional.empty(),
                Optional.of("GOOGLE_API_KEY")));

        assertThat(profile.environment()).containsExactly(Map.entry("GOOGLE_API_KEY", "inline-key-123456"));
        assertThat(profile.price().cost(1_000_000, 1_000_000, 0)).isEqualByComparingTo("11");
    }

    @Test
    void anUnknownAdapterIsAConfigurationErrorNamingTheKey() {
        assertThatThrownBy(() -> resolve(new Profile(
                        "cursor",
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty())))
                .hasMessageContaining("forgeline.worker.profiles.p.adapter=cursor");
    }
}
