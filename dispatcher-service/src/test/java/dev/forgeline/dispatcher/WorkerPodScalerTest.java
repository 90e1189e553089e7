package dev.forgeline.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.forgeline.dispatcher.cluster.WorkerPodScaler;
import dev.forgeline.dispatcher.cluster.WorkerPodScaler.Backlog;
import dev.forgeline.dispatcher.cluster.WorkerPodScaler.NodeState;
import dev.forgeline.dispatcher.cluster.WorkerPodScaler.Reconciliation;
import dev.forgeline.dispatcher.config.ClusterConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Worker pods created and deleted on the Fabric8 mock Kubernetes API server (CRUD mode, in-JVM). */
@EnableKubernetesMockClient(crud = true)
class WorkerPodScalerTest {
    static KubernetesMockServer server;
    static KubernetesClient client;

    private WorkerPodScaler scaler;

    @BeforeEach
    void clean() {
        client.pods().inNamespace("forgeline").delete();
        client.configMaps().inNamespace("forgeline").delete();
        scaler = new WorkerPodScaler(client, new Settings(3, 2, Optional.empty()));
    }

    @Test
    void createsPodsUpToTheMaximumWhenReadyTasksExceedFreeSlots() {
        // 9 ready tasks, 1 free slot: 4 pods of 2 slots wanted, 3 allowed
        Reconciliation first = scaler.reconcile(new Backlog(9, 1, Map.of()));
        assertThat(first.created()).hasSize(3);
        List<Pod> pods = pods();
        assertThat(pods).hasSize(3);
        // a second pass counts the pods still starting: nothing more
        assertThat(scaler.reconcile(new Backlog(9, 1, Map.of())).created()).isEmpty();
        assertThat(pods()).hasSize(3);

        Pod pod = pods.get(0);
        String name = pod.getMetadata().getName();
        assertThat(pod.getMetadata().getLabels())
                .containsEntry(WorkerPodScaler.NODE_LABEL, name)
                .containsEntry(WorkerPodScaler.MANAGED_BY, WorkerPodScaler.MANAGER);
        // restricted Pod Security profile
        assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSpec().getSecurityContext().getSeccompProfile().getType())
                .isEqualTo("RuntimeDefault");
        Container container = pod.getSpec().getContainers().get(0);
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(container.getResources().getLimits()).containsKeys("cpu", "memory");
        assertThat(container.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("FORGELINE_WORKER_NODE_NAME");
            assertThat(e.getValue()).isEqualTo(name);
        });
    }

    @Test
    void noPodsWhileFreeSlotsCoverTheBacklog() {
        assertThat(scaler.reconcile(new Backlog(4, 4, Map.of())).created()).isEmpty();
        assertThat(pods()).isEmpty();
    }

    @Test
    void deletesIdlePodsDrainedPodsAndThePodOfADeadNode() {
        scaler.reconcile(new Backlog(6, 0, Map.of()));
        List<String> names =
                pods().stream().map(p -> p.getMetadata().getName()).sorted().toList();
        assertThat(names).hasSize(3);
        Map<String, NodeState> nodes = new HashMap<>();
        nodes.put(names.get(0), new NodeState(names.get(0), "READY", 1, 2));
        nodes.put(names.get(1), new NodeState(names.get(1), "DEAD", 1, 2));
        nodes.put(names.get(2), new NodeState(names.get(2), "DRAINING", 0, 2));
        Reconciliation pass = scaler.reconcile(new Backlog(1, 1, nodes));
        assertThat(pass.deleted()).containsExactlyInAnyOrder(names.get(1), names.get(2));
        assertThat(pass.created()).isEmpty();
        assertThat(pods()).extracting(p -> p.getMetadata().getName()).containsExactly(names.get(0));

        // the busy node finishes and nothing waits: its pod goes too
        nodes.put(names.get(0), new NodeState(names.get(0), "READY", 0, 2));
        assertThat(scaler.reconcile(new Backlog(0, 2, nodes)).deleted()).containsExactly(names.get(0));
        assertThat(pods()).isEmpty();
    }

    @Test
    void podOfANodeDeclaredDeadIsDeletedAtOnce() {
        scaler.reconcile(new Backlog(2, 0, Map.of()));
        String name = pods().get(0).getMetadata().getName();
        assertThat(scaler.deletePodOf(name)).isTrue();
        assertThat(pods()).isEmpty();
        assertThat(scaler.deletePodOf(name)).isFalse();
    }

    @Test
    void podsAreMadeFromTheShippedTemplateWithTheWorkerSettingsLaidOver() throws Exception {
        // the ConfigMap exactly as k8s/ ships it
        try (InputStream manifest =
                Files.newInputStream(KubernetesManifestsTest.K8S.resolve("worker-pod-template.yaml"))) {
            ConfigMap template = client.getKubernetesSerialization().unmarshal(manifest, ConfigMap.class);
            client.configMaps().inNamespace("forgeline").resource(template).create();
        }
        scaler = new WorkerPodScaler(client, new Settings(3, 2, Optional.of("forgeline-worker-pod")));

        assertThat(scaler.reconcile(new Backlog(2, 0, Map.of())).created()).hasSize(1);
        Pod pod = pods().get(0);
        String name = pod.getMetadata().getName();
        assertThat(pod.getMetadata().getLabels()).containsEntry(WorkerPodScaler.NODE_LABEL, name);
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
        // the template's volumes are there, and none of them is shared storage
        assertThat(pod.getSpec().getVolumes())
                .extracting(Volume::getName)
                .contains("work", "git-config", "git-credentials", "agent-keys");
        assertThat(pod.getSpec().getVolumes()).allSatisfy(v -> {
            assertThat(v.getPersistentVolumeClaim()).isNull();
            assertThat(v.getHostPath()).isNull();
            assertThat(v.getNfs()).isNull();
        });
        Container container = pod.getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("forgeline/worker-service:0.1.0");
        assertThat(container.getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/var/run/secrets/forgeline/git"));
        // the template's own environment stays, the worker settings are laid over it
        Map<String, String> env = new HashMap<>();
        container.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
        assertThat(env)
                .containsEntry("FORGELINE_WORKER_NODE_NAME", name)
                .containsEntry("FORGELINE_WORKER_CAPACITY", "2")
                .containsEntry("FORGELINE_WORKER_NODE_KIND", "CLUSTER")
                .containsEntry("FORGELINE_WORKER_WORKSPACE", "/work/worktrees")
                .containsEntry("FORGELINE_WORKER_AGENT", "simulated");
        // restricted Pod Security profile, as shipped
        assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    }

    @Test
    void anEditedTemplateAppliesToTheNextPod() {
        client.configMaps().inNamespace("forgeline").resource(templateMap("""
                        apiVersion: v1
                        kind: Pod
                        spec:
                          nodeSelector:
                            forgeline.dev/pool: agents
                          containers:
                            - name: worker
                              image: registry.example.com/worker-with-agents:1
                        """)).create();
        scaler = new WorkerPodScaler(client, new Settings(3, 2, Optional.of("forgeline-worker-pod")));
        scaler.reconcile(new Backlog(2, 0, Map.of()));
        Pod first = pods().get(0);
        assertThat(first.getSpec().getNodeSelector()).containsEntry("forgeline.dev/pool", "agents");
        assertThat(first.getSpec().getContainers().get(0).getImage())
                .isEqualTo("registry.example.com/worker-with-agents:1");
        // where the template says nothing: the restricted defaults and the configured resources
        assertThat(first.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(first.getSpec().getContainers().get(0).getResources().getLimits())
                .containsKeys("cpu", "memory");

        client.configMaps().inNamespace("forgeline").resource(templateMap("""
                        apiVersion: v1
                        kind: Pod
                        spec:
                          nodeSelector:
                            forgeline.dev/pool: big
                          containers:
                            - name: worker
                        """)).update();
        scaler.reconcile(new Backlog(6, 0, Map.of()));
        assertThat(pods())
                .filteredOn(p ->
                        !p.getMetadata().getName().equals(first.getMetadata().getName()))
                .isNotEmpty()
                .allSatisfy(p -> {
                    assertThat(p.getSpec().getNodeSelector()).containsEntry("forgeline.dev/pool", "big");
                    assertThat(p.getSpec().getContainers().get(0).getImage())
                            .isEqualTo("forgeline/worker-service:test");
                });
    }

    @Test
    void aMissingOrBrokenTemplateCreatesNoPodAndSaysWhich() {
        scaler = new WorkerPodScaler(client, new Settings(3, 2, Optional.of("forgeline-worker-pod")));
        assertThatThrownBy(() -> scaler.reconcile(new Backlog(2, 0, Map.of())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("forgeline-worker-pod")
                .hasMessageContaining("not found");
        client.configMaps()
                .inNamespace("forgeline")
                .resource(templateMap("apiVersion: v1\nkind: Pod\nspec: {}\n"))
                .create();
        assertThatThrownBy(() -> scaler.reconcile(new Backlog(2, 0, Map.of())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no container");
        assertThat(pods()).isEmpty();
    }

    private static ConfigMap templateMap(String podYaml) {
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withName("forgeline-worker-pod")
                .endMetadata()
                .addToData(WorkerPodScaler.TEMPLATE_KEY, podYaml)
                .build();
    }

    private List<Pod> pods() {
        return client.pods().inNamespace("forgeline").list().getItems();
    }

    /** Cluster settings as application.properties would give them. */
    record Settings(int maxPods, int slotsPerPod, Optional<String> podTemplateConfigMap) implements ClusterConfig {
        @Override
        public boolean enabled() {
            return true;
        }

        @Override
        public Optional<String> namespace() {
            return Optional.of("forgeline");
        }

        @Override
        public String workerImage() {
            return "forgeline/worker-service:test";
        }

        @Override
        public Duration reconcileEvery() {
            return Duration.ofSeconds(10);
        }

        @Override
        public String dispatcherUrl() {
            return "http://dispatcher-service:8080";
        }

        @Override
        public String serviceAccount() {
            return "forgeline-worker";
        }

        @Override
        public String cpuRequest() {
            return "500m";
        }

        @Override
        public String cpuLimit() {
            return "2";
        }

        @Override
        public String memoryRequest() {
            return "1Gi";
        }

        @Override
        public String memoryLimit() {
            return "4Gi";
        }

        @Override
        public Map<String, String> env() {
            return Map.of("FORGELINE_WORKER_AGENT", "simulated");
        }

        @Override
        public Optional<String> envConfigMap() {
            return Optional.empty();
        }
    }
}
