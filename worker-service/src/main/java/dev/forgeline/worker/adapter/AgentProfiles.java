package dev.forgeline.worker.adapter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.payload.ProfileOffer;
import dev.forgeline.support.process.SecretMasker;
import dev.forgeline.worker.config.WorkerConfig;
import org.jboss.logging.Logger;

/**
 * The agent profiles of this worker ({@code forgeline.worker.profiles.*}), resolved once at start: adapter, model,
 * provider, price (the profile's own, else the price table's for its model) and the provider key read from
 * configuration or a mounted file. Key values are registered with the {@link SecretMasker} so they are masked
 * wherever they might appear.
 */
@ApplicationScoped
public class AgentProfiles {
    private static final Logger LOG = Logger.getLogger(AgentProfiles.class);
    private final Map<String, AgentProfile> byName = new TreeMap<>();
    private final AgentAdapters adapters;
    private final String defaultName;

    public AgentProfiles(WorkerConfig config, AgentAdapters adapters) {
        this.adapters = adapters;
        config.profiles()
                .forEach((name, profile) -> byName.put(name, resolve(name, profile, config.prices(), adapters::byId)));
        this.defaultName = config.agent();
    }

    static AgentProfile resolve(
            String name,
            WorkerConfig.Profile profile,
            Map<String, WorkerConfig.Price> prices,
            java.util.function.Function<String, Optional<AgentAdapter>> adapters) {
        AgentAdapter adapter = adapters.apply(profile.adapter())
                .orElseThrow(() -> new IllegalStateException("forgeline.worker.profiles." + name + ".adapter="
                        + profile.adapter() + " is not an agent adapter"));
        AgentProfile.Price price = null;
        if (profile.inputPrice().isPresent() && profile.outputPrice().isPresent()) {
            price = new AgentProfile.Price(
                    profile.inputPrice().get(),
                    profile.outputPrice().get(),
                    profile.cachedPrice().orElse(null));
        } else if (profile.model().isPresent()
                && prices.containsKey(profile.model().get())) {
            WorkerConfig.Price table = prices.get(profile.model().get());
            price = new AgentProfile.Price(
                    table.input(), table.output(), table.cached().orElse(null));
        }
        Map<String, String> environment = new TreeMap<>();
        Optional<String> key = profile.apiKey()
                .filter(k -> !k.isBlank())
                .or(() -> profile.apiKeyFile().map(AgentProfiles::readKeyFile));
        if (key.isPresent()) {
            String envName =
                    profile.apiKeyEnv().orElse(adapter instanceof CliAgent cli ? cli.defaultApiKeyEnv() : null);
            if (envName == null) {
                throw new IllegalStateException("forgeline.worker.profiles." + name
                        + ".api-key-env must name the variable the key is passed in for adapter " + adapter.id());
            }
            SecretMasker.register(key.get());
            environment.put(envName, key.get());
        }
        return new AgentProfile(
                name,
                adapter.id(),
                profile.model().orElse(null),
                profile.contextTokens().orElse(null),
                profile.provider().orElse(null),
                price,
                profile.executable().orElse(null),
                profile.args().orElse(List.of()),
                environment);
    }

    private static String readKeyFile(String file) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("agent key file " + file + " cannot be read", e);
        }
    }

    /**
     * The profile a lease asks for: a configured profile by name, else an adapter by id with its defaults, else the
     * worker's default ({@code forgeline.worker.agent}, itself a profile name or an adapter id).
     */
    public AgentProfile select(String requested) {
        if (requested != null && !requested.isBlank()) {
            AgentProfile profile = byName.get(requested);
            if (profile != null) {
                return profile;
            }
            if (adapters.byId(requested).isPresent()) {
                return AgentProfile.ofAdapter(requested);
            }
            LOG.warnf(
                    "agent profile '%s' is not configured on this worker; running the default '%s'",
                    requested, defaultName);
        }
        AgentProfile profile = byName.get(defaultName);
        return profile != null
                ? profile
                : AgentProfile.ofAdapter(adapters.defaultAdapter().id());
    }

    /**
     * The profiles this worker offers, its default first, with adapter, model and context size (0 when not
     * configured): what the dispatcher places tasks on and picks a larger context from after CONTEXT_EXHAUSTED.
     */
    public List<ProfileOffer> offers() {
        List<ProfileOffer> offers = new java.util.ArrayList<>();
        AgentProfile fallback = select(null);
        offers.add(offer(defaultName, fallback));
        byName.forEach((name, profile) -> {
            if (!name.equals(defaultName)) {
                offers.add(offer(name, profile));
            }
        });
        return List.copyOf(offers);
    }

    private static ProfileOffer offer(String name, AgentProfile profile) {
        return new ProfileOffer(
                name,
                profile.adapter(),
                profile.model(),
                profile.contextTokens() == null ? 0 : profile.contextTokens());
    }

    /** The profile names and adapter ids this worker can run, its default first, for registration and heartbeats. */
    public List<String> names() {
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        names.add(defaultName);
        names.addAll(byName.keySet());
        names.addAll(adapters.ids());
        return List.copyOf(names);
    }
}
