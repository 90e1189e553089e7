package dev.forgeline.dispatcher.config;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Kubernetes cluster mode: worker pods kept in step with the backlog. Disabled by default; when disabled the
 * dispatcher never touches the Kubernetes client.
 */
@ConfigMapping(prefix = "forgeline.dispatcher.cluster")
public interface ClusterConfig {
    @WithDefault("false")
    boolean enabled();

    /** Namespace the worker pods run in (default: the client's namespace). */
    Optional<String> namespace();

    @WithDefault("forgeline/worker-service:0.1.0")
    String workerImage();

    /** Most worker pods the dispatcher keeps at once. */
    @WithDefault("10")
    int maxPods();

    /** Slots (capacity) each worker pod registers with. */
    @WithDefault("2")
    int slotsPerPod();

    /** How often pods are reconciled with the backlog. */
    @WithDefault("10s")
    Duration reconcileEvery();

    /** The dispatcher URL the worker pods register with. */
    @WithDefault("http://dispatcher-service:8080")
    String dispatcherUrl();

    /** Service account of the worker pods. */
    @WithDefault("forgeline-worker")
    String serviceAccount();

    @WithDefault("500m")
    String cpuRequest();

    @WithDefault("2")
    String cpuLimit();

    @WithDefault("1Gi")
    String memoryRequest();

    @WithDefault("4Gi")
    String memoryLimit();

    /** Extra environment for the worker container (agent settings; secrets belong in a Secret, not here). */
    Map<String, String> env();

    /** Name of a ConfigMap the worker container reads its environment from, if any. */
    Optional<String> envConfigMap();

    /**
     * Name of a ConfigMap holding the worker pod template under the key {@code worker-pod.yaml}: volumes, Secrets
     * mounted as files (agent keys, git credentials), nodeSelector, tolerations, resources, image. Without one, the
     * built-in restricted-profile pod is used.
     */
    Optional<String> podTemplateConfigMap();
}
