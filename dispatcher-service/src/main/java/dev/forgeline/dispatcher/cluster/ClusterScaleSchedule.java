package dev.forgeline.dispatcher.cluster;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.enterprise.inject.Instance;

import dev.forgeline.dispatcher.config.ClusterConfig;
import dev.forgeline.dispatcher.node.NodeEvents.NodesDied;
import dev.forgeline.dispatcher.repository.BacklogRepository;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.scheduler.Scheduled;
import org.jboss.logging.Logger;

/**
 * Cluster mode: reconciles worker pods with the backlog every {@code cluster.reconcile-every}, and deletes the
 * pod of a node as soon as it is declared DEAD. Does nothing (and never creates a Kubernetes client) unless
 * {@code forgeline.dispatcher.cluster.enabled=true}.
 */
@ApplicationScoped
public class ClusterScaleSchedule {
    private static final Logger LOG = Logger.getLogger(ClusterScaleSchedule.class);

    private final ClusterConfig config;
    private final Instance<KubernetesClient> clients;
    private final BacklogRepository backlog;
    private volatile WorkerPodScaler scaler;

    public ClusterScaleSchedule(ClusterConfig config, Instance<KubernetesClient> clients, BacklogRepository backlog) {
        this.config = config;
        this.clients = clients;
        this.backlog = backlog;
    }

    @Scheduled(
            every = "${forgeline.dispatcher.cluster.reconcile-every}",
            delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void reconcile() {
        if (!config.enabled()) {
            return;
        }
        try {
            scaler().reconcile(backlog.read());
        } catch (RuntimeException e) {
            LOG.warnf("worker pod reconciliation failed, retrying: %s", e.getMessage());
        }
    }

    void onNodesDied(@Observes(during = TransactionPhase.AFTER_SUCCESS) NodesDied died) {
        if (!config.enabled()) {
            return;
        }
        for (String node : died.names()) {
            try {
                scaler().deletePodOf(node);
            } catch (RuntimeException e) {
                LOG.warnf(
                        "pod of dead node %s not deleted (the next reconciliation retries): %s", node, e.getMessage());
            }
        }
    }

    private WorkerPodScaler scaler() {
        WorkerPodScaler current = scaler;
        if (current == null) {
            current = new WorkerPodScaler(clients.get(), config);
            scaler = current;
        }
        return current;
    }
}
