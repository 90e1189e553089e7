package dev.forgeline.dispatcher.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.forgeline.dispatcher.config.ClusterConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.jboss.logging.Logger;

/**
 * Keeps worker pods in step with the backlog. Each pod runs one worker node whose node name is the pod name
 * (label {@code forgeline.dev/node}), so a node row and its pod are linked both ways. Pods are made from the
 * user's pod template (a ConfigMap) or, without one, a built-in pod under the restricted Pod Security profile
 * with resource requests and limits. Worker pods share no volume with anything: they clone the repositories
 * they work on by URL.
 */
public class WorkerPodScaler {
    private static final Logger LOG = Logger.getLogger(WorkerPodScaler.class);
    public static final String NODE_LABEL = "forgeline.dev/node";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGER = "forgeline-dispatcher";
    static final String NAME_LABEL = "app.kubernetes.io/name";
    static final String WORKER = "forgeline-worker";
    /** The key of the pod template in its ConfigMap. */
    public static final String TEMPLATE_KEY = "worker-pod.yaml";

    private final KubernetesClient client;
    private final ClusterConfig config;

    public WorkerPodScaler(KubernetesClient client, ClusterConfig config) {
        this.client = client;
        this.config = config;
    }

    /** A node as the scaler needs to see it. */
    public record NodeState(String name, String status, int activeLeases, int capacity) {}

    /**
     * What the backlog asks of the cluster.
     *
     * @param readyTasks READY tasks that could be leased now (not held back by gates, backoff or breakers)
     * @param freeSlots  free slots of READY nodes
     * @param nodes      the nodes the dispatcher knows, by name
     */
    public record Backlog(int readyTasks, int freeSlots, Map<String, NodeState> nodes) {}

    /** What one reconciliation did. */
    public record Reconciliation(List<String> created, List<String> deleted) {}

    public Reconciliation reconcile(Backlog backlog) {
        List<Pod> pods = managedPods();
        List<String> deleted = new ArrayList<>();
        for (Pod pod : pods) {
            String nodeName = pod.getMetadata()
                    .getLabels()
                    .getOrDefault(NODE_LABEL, pod.getMetadata().getName());
            NodeState node = backlog.nodes().get(nodeName);
            String why = null;
            if (node != null && "DEAD".equals(node.status())) {
                why = "its node is DEAD";
            } else if (node != null && node.activeLeases() == 0 && "DRAINING".equals(node.status())) {
                why = "its node is drained and idle";
            } else if (node != null
                    && node.activeLeases() == 0
                    && "READY".equals(node.status())
                    && backlog.readyTasks() == 0) {
                why = "its node is idle and nothing waits";
            }
            if (why != null) {
                delete(pod, why);
                deleted.add(pod.getMetadata().getName());
            }
        }
        int remaining = pods.size() - deleted.size();
        // pods that have not registered yet will bring their slots soon: count them as free
        Set<String> registered = backlog.nodes().keySet();
        long starting = pods.stream()
                .filter(p -> !deleted.contains(p.getMetadata().getName()))
                .filter(p -> !registered.contains(p.getMetadata().getLabels().get(NODE_LABEL)))
                .count();
        int deficit = backlog.readyTasks() - backlog.freeSlots() - (int) starting * config.slotsPerPod();
        int wanted = deficit <= 0 ? 0 : (deficit + config.slotsPerPod() - 1) / config.slotsPerPod();
        int toCreate = Math.max(0, Math.min(wanted, config.maxPods() - remaining));
        List<String> created = new ArrayList<>();
        for (int i = 0; i < toCreate; i++) {
            Pod pod =
                    client.pods().inNamespace(namespace()).resource(workerPod()).create();
            created.add(pod.getMetadata().getName());
            LOG.infof(
                    "worker pod %s created: %d ready tasks, %d free slots",
                    pod.getMetadata().getName(), backlog.readyTasks(), backlog.freeSlots());
        }
        return new Reconciliation(created, deleted);
    }

    /** Deletes the pod of a node declared DEAD, if the dispatcher manages one. */
    public boolean deletePodOf(String nodeName) {
        for (Pod pod : managedPods()) {
            if (nodeName.equals(pod.getMetadata().getLabels().get(NODE_LABEL))) {
                delete(pod, "its node was declared DEAD");
                return true;
            }
        }
        return false;
    }

    public List<Pod> managedPods() {
        return client.pods()
                .inNamespace(namespace())
                .withLabel(MANAGED_BY, MANAGER)
                .withLabel(NAME_LABEL, WORKER)
                .list()
                .getItems();
    }

    /**
     * The pod of one worker node: the user's template (or the built-in restricted pod) with what makes it a
     * Forgeline worker laid over it: its name and labels, the worker settings in its environment, no restarts
     * (a failed worker pod is replaced, not restarted under the same node name) and no API token. Restricted
     * security contexts and the configured resources fill in wherever the template says nothing.
     */
    public Pod workerPod() {
        String name = WORKER + "-" + UUID.randomUUID().toString().substring(0, 8);
        Pod pod = template().orElseGet(WorkerPodScaler::emptyPod);
        ObjectMeta metadata = pod.getMetadata() == null ? new ObjectMeta() : pod.getMetadata();
        metadata.setName(name);
        metadata.setGenerateName(null);
        metadata.setNamespace(null);
        Map<String, String> labels = new HashMap<>(metadata.getLabels() == null ? Map.of() : metadata.getLabels());
        labels.put(NAME_LABEL, WORKER);
        labels.put("app.kubernetes.io/part-of", "forgeline");
        labels.put(MANAGED_BY, MANAGER);
        labels.put(NODE_LABEL, name);
        metadata.setLabels(labels);
        pod.setMetadata(metadata);

        PodSpec spec = pod.getSpec();
        if (spec.getServiceAccountName() == null) {
            spec.setServiceAccountName(config.serviceAccount());
        }
        spec.setAutomountServiceAccountToken(false);
        spec.setRestartPolicy("Never");
        if (spec.getSecurityContext() == null) {
            spec.setSecurityContext(new PodSecurityContextBuilder()
                    .withRunAsNonRoot(true)
                    .withRunAsUser(10001L)
                    .withRunAsGroup(10001L)
                    .withFsGroup(10001L)
                    .withNewSeccompProfile()
                    .withType("RuntimeDefault")
                    .endSeccompProfile()
                    .build());
        }

        Container worker = workerContainer(spec);
        if (worker.getImage() == null || worker.getImage().isBlank()) {
            worker.setImage(config.workerImage());
        }
        Map<String, String> settings = new LinkedHashMap<>(config.env());
        settings.put("FORGELINE_WORKER_NODE_NAME", name);
        settings.put("FORGELINE_WORKER_CAPACITY", String.valueOf(config.slotsPerPod()));
        settings.put("FORGELINE_WORKER_DISPATCHER_URL", config.dispatcherUrl());
        settings.put("FORGELINE_WORKER_NODE_KIND", "CLUSTER");
        List<EnvVar> env = new ArrayList<>();
        if (worker.getEnv() != null) {
            worker.getEnv().stream()
                    .filter(e -> !settings.containsKey(e.getName()))
                    .forEach(env::add);
        }
        settings.forEach(
                (k, v) -> env.add(new EnvVarBuilder().withName(k).withValue(v).build()));
        worker.setEnv(env);
        config.envConfigMap().ifPresent(cm -> {
            List<EnvFromSource> from = new ArrayList<>(worker.getEnvFrom() == null ? List.of() : worker.getEnvFrom());
            from.add(new EnvFromSourceBuilder()
                    .withNewConfigMapRef()
                    .withName(cm)
                    .endConfigMapRef()
                    .build());
            worker.setEnvFrom(from);
        });
        if (worker.getSecurityContext() == null) {
            worker.setSecurityContext(new SecurityContextBuilder()
                    .withAllowPrivilegeEscalation(false)
                    .withRunAsNonRoot(true)
                    .withNewCapabilities()
                    .withDrop("ALL")
                    .endCapabilities()
                    .withNewSeccompProfile()
                    .withType("RuntimeDefault")
                    .endSeccompProfile()
                    .build());
        }
        if (worker.getResources() == null
                || (isEmpty(worker.getResources().getRequests())
                        && isEmpty(worker.getResources().getLimits()))) {
            worker.setResources(new ResourceRequirementsBuilder()
                    .addToRequests("cpu", new Quantity(config.cpuRequest()))
                    .addToRequests("memory", new Quantity(config.memoryRequest()))
                    .addToLimits("cpu", new Quantity(config.cpuLimit()))
                    .addToLimits("memory", new Quantity(config.memoryLimit()))
                    .build());
        }
        return pod;
    }

    /** The template from its ConfigMap, read at every use so that an edited template applies to the next pod. */
    private Optional<Pod> template() {
        if (config.podTemplateConfigMap().isEmpty()) {
            return Optional.empty();
        }
        String mapName = config.podTemplateConfigMap().get();
        ConfigMap map =
                client.configMaps().inNamespace(namespace()).withName(mapName).get();
        if (map == null) {
            throw new IllegalStateException(
                    "worker pod template ConfigMap " + mapName + " not found in namespace " + namespace());
        }
        String yaml = map.getData() == null ? null : map.getData().get(TEMPLATE_KEY);
        if (yaml == null || yaml.isBlank()) {
            throw new IllegalStateException("worker pod template ConfigMap " + mapName + " has no key " + TEMPLATE_KEY);
        }
        Pod pod;
        try {
            pod = client.getKubernetesSerialization().unmarshal(yaml, Pod.class);
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "worker pod template in ConfigMap " + mapName + " is not a Pod: " + e.getMessage(), e);
        }
        if (pod == null
                || pod.getSpec() == null
                || pod.getSpec().getContainers() == null
                || pod.getSpec().getContainers().isEmpty()) {
            throw new IllegalStateException("worker pod template in ConfigMap " + mapName + " has no container");
        }
        return Optional.of(pod);
    }

    private static Container workerContainer(PodSpec spec) {
        return spec.getContainers().stream()
                .filter(c -> "worker".equals(c.getName()))
                .findFirst()
                .orElseGet(() -> spec.getContainers().get(0));
    }

    private static Pod emptyPod() {
        return new PodBuilder()
                .withNewMetadata()
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("worker")
                .endContainer()
                .endSpec()
                .build();
    }

    private static boolean isEmpty(Map<?, ?> map) {
        return map == null || map.isEmpty();
    }

    private void delete(Pod pod, String why) {
        client.pods()
                .inNamespace(namespace())
                .withName(pod.getMetadata().getName())
                .delete();
        LOG.infof("worker pod %s deleted: %s", pod.getMetadata().getName(), why);
    }

    private String namespace() {
        return config.namespace().orElseGet(() -> client.getNamespace() == null ? "default" : client.getNamespace());
    }

    public static Map<String, NodeState> byName(List<NodeState> nodes) {
        return nodes.stream().collect(Collectors.toMap(NodeState::name, n -> n, (a, b) -> a));
    }
}
