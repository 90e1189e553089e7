package dev.forgeline.dispatcher.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.forgeline.dispatcher.config.ClusterConfig;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.jboss.logging.Logger;

/**
 * Keeps worker pods in step with the backlog. Each pod runs one worker node whose node name is the pod name
 * (label {@code forgeline.dev/node}), so a node row and its pod are linked both ways. Pods run under the
 * restricted Pod Security profile with resource requests and limits.
 */
public class WorkerPodScaler {
    private static final Logger LOG = Logger.getLogger(WorkerPodScaler.class);
    public static final String NODE_LABEL = "forgeline.dev/node";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGER = "forgeline-dispatcher";
    static final String NAME_LABEL = "app.kubernetes.io/name";
    static final String WORKER = "forgeline-worker";

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

    /** The pod spec of one worker node: restricted Pod Security, requests and limits, labels naming the node. */
    public Pod workerPod() {
        String name = WORKER + "-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> labels = new HashMap<>();
        labels.put(NAME_LABEL, WORKER);
        labels.put("app.kubernetes.io/part-of", "forgeline");
        labels.put(MANAGED_BY, MANAGER);
        labels.put(NODE_LABEL, name);
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVarBuilder()
                .withName("FORGELINE_WORKER_NODE_NAME")
                .withValue(name)
                .build());
        env.add(new EnvVarBuilder()
                .withName("FORGELINE_WORKER_CAPACITY")
                .withValue(String.valueOf(config.slotsPerPod()))
                .build());
        env.add(new EnvVarBuilder()
                .withName("FORGELINE_WORKER_DISPATCHER_URL")
                .withValue(config.dispatcherUrl())
                .build());
        env.add(new EnvVarBuilder()
                .withName("FORGELINE_WORKER_NODE_KIND")
                .withValue("CLUSTER")
                .build());
        config.env()
                .forEach((k, v) ->
                        env.add(new EnvVarBuilder().withName(k).withValue(v).build()));
        PodBuilder builder = new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withServiceAccountName(config.serviceAccount())
                .withAutomountServiceAccountToken(false)
                .withRestartPolicy("Never")
                .withNewSecurityContext()
                .withRunAsNonRoot(true)
                .withRunAsUser(10001L)
                .withRunAsGroup(10001L)
                .withFsGroup(10001L)
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile()
                .endSecurityContext()
                .addNewContainer()
                .withName("worker")
                .withImage(config.workerImage())
                .withEnv(env)
                .withNewSecurityContext()
                .withAllowPrivilegeEscalation(false)
                .withRunAsNonRoot(true)
                .withNewCapabilities()
                .withDrop("ALL")
                .endCapabilities()
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile()
                .endSecurityContext()
                .withNewResources()
                .addToRequests("cpu", new Quantity(config.cpuRequest()))
                .addToRequests("memory", new Quantity(config.memoryRequest()))
                .addToLimits("cpu", new Quantity(config.cpuLimit()))
                .addToLimits("memory", new Quantity(config.memoryLimit()))
                .endResources()
                .endContainer()
                .endSpec();
        Pod pod = builder.build();
        config.envConfigMap()
                .ifPresent(cm -> pod.getSpec()
                        .getContainers()
                        .get(0)
                        .setEnvFrom(List.of(new io.fabric8.kubernetes.api.model.EnvFromSourceBuilder()
                                .withNewConfigMapRef()
                                .withName(cm)
                                .endConfigMapRef()
                                .build())));
        return pod;
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

    static Map<String, NodeState> byName(List<NodeState> nodes) {
        return nodes.stream().collect(Collectors.toMap(NodeState::name, n -> n, (a, b) -> a));
    }
}
