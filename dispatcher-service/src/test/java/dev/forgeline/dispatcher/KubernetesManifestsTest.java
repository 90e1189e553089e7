package dev.forgeline.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

/**
 * The shipped manifests (k8s/), loaded with the Fabric8 client and applied to its mock API server: every object
 * is accepted, and no service or worker shares a volume with another (repositories are reached by URL).
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesManifestsTest {
    static final Path K8S = Path.of("..", "k8s");

    static KubernetesMockServer server;
    static KubernetesClient client;

    @Test
    void manifestsApplyAndShareNoVolume() throws IOException {
        List<HasMetadata> objects = new ArrayList<>();
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml"))
                    .filter(f -> !f.getFileName().toString().equals("kustomization.yaml"))
                    .sorted()
                    .toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    objects.addAll(client.load(in).items());
                }
            }
        }
        assertThat(objects).extracting(HasMetadata::getKind).contains("Deployment", "ConfigMap", "Role");
        assertThat(objects)
                .as("no PersistentVolumeClaim: nothing is shared between pods")
                .noneMatch(o -> o.getKind().equals("PersistentVolumeClaim"));

        List<Deployment> deployments = objects.stream()
                .filter(Deployment.class::isInstance)
                .map(Deployment.class::cast)
                .toList();
        assertThat(deployments).hasSize(5);
        for (Deployment deployment : deployments) {
            PodSpec spec = deployment.getSpec().getTemplate().getSpec();
            if (spec.getVolumes() != null) {
                assertThat(spec.getVolumes())
                        .as(deployment.getMetadata().getName() + " mounts no shared storage")
                        .allSatisfy(v -> {
                            assertThat(v.getPersistentVolumeClaim()).isNull();
                            assertThat(v.getHostPath()).isNull();
                            assertThat(v.getNfs()).isNull();
                        });
            }
            assertThat(spec.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(spec.getContainers())
                    .allSatisfy(c -> assertThat(c.getSecurityContext().getAllowPrivilegeEscalation())
                            .isFalse());
        }

        for (HasMetadata object : objects) {
            if (object instanceof Namespace) {
                continue;
            }
            HasMetadata created =
                    client.resource(object).inNamespace("forgeline").create();
            assertThat(created.getMetadata().getName())
                    .isEqualTo(object.getMetadata().getName());
        }
    }
}
