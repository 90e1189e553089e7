package dev.forgeline.worker.adapter;

import java.util.Map;
import java.util.TreeMap;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import dev.forgeline.worker.config.WorkerConfig;
import io.quarkus.runtime.Startup;

/** The agent adapters this worker has, and which one runs a task. */
@ApplicationScoped
@Startup
public class AgentAdapters {
    private final Map<String, AgentAdapter> byId = new TreeMap<>();
    private final AgentAdapter defaultAdapter;

    public AgentAdapters(Instance<AgentAdapter> adapters, WorkerConfig config) {
        adapters.forEach(adapter -> byId.put(adapter.id(), adapter));
        WorkerConfig.Profile defaultProfile = config.profiles().get(config.agent());
        defaultAdapter = byId.get(defaultProfile != null ? defaultProfile.adapter() : config.agent());
        if (defaultAdapter == null) {
            throw new IllegalStateException(
                    "forgeline.worker.agent=" + config.agent() + " is not an agent adapter; known: " + byId.keySet());
        }
    }

    /** The adapter a task's agent profile names, or the configured default when it names none this worker knows. */
    public AgentAdapter select(String agentProfile) {
        return agentProfile == null ? defaultAdapter : byId.getOrDefault(agentProfile, defaultAdapter);
    }

    public java.util.Optional<AgentAdapter> byId(String id) {
        return java.util.Optional.ofNullable(id == null ? null : byId.get(id));
    }

    public java.util.Set<String> ids() {
        return byId.keySet();
    }

    public AgentAdapter defaultAdapter() {
        return defaultAdapter;
    }
}
