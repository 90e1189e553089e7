package dev.forgeline.worker.messaging;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.payload.NodeHeartbeat;
import dev.forgeline.support.background.BackgroundWork;
import dev.forgeline.worker.adapter.AgentProfiles;
import dev.forgeline.worker.attempt.AttemptProgress;
import dev.forgeline.worker.attempt.RunningAttempts;
import dev.forgeline.worker.config.WorkerConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import org.jboss.logging.Logger;

/**
 * Says the node is alive every {@code heartbeat-interval-seconds}, running or idle: name, kind, an instance id new
 * per process start, labels, agent profiles (names, and offers with adapter, model and context size), capacity and
 * the leases it runs. Three missed ones make the node DEAD
 * for the dispatcher.
 */
@ApplicationScoped
public class NodeHeartbeatPublisher {
    private static final Logger LOG = Logger.getLogger(NodeHeartbeatPublisher.class);
    private final WorkerConfig config;
    private final HeartbeatPublisher publisher;
    private final RunningAttempts running;
    private final AgentProfiles profiles;
    private final String instanceId = UUID.randomUUID().toString();
    private final ScheduledExecutorService timer;

    public NodeHeartbeatPublisher(
            WorkerConfig config,
            HeartbeatPublisher publisher,
            RunningAttempts running,
            AgentProfiles profiles,
            BackgroundWork background) {
        this.timer = background.timer("node-heartbeats");
        this.config = config;
        this.publisher = publisher;
        this.running = running;
        this.profiles = profiles;
    }

    void onStart(@Observes StartupEvent event) {
        timer.scheduleAtFixedRate(this::publish, 0, Math.max(1, config.heartbeatIntervalSeconds()), TimeUnit.SECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        timer.shutdownNow();
    }

    public String instanceId() {
        return instanceId;
    }

    public String kind() {
        return config.nodeKind().orElse(System.getenv("KUBERNETES_SERVICE_HOST") != null ? "CLUSTER" : "LAPTOP");
    }

    /** Never throws: a timer run that throws cancels the later ones. */
    public void publish() {
        try {
            NodeHeartbeat beat = new NodeHeartbeat(
                    config.nodeName(),
                    kind(),
                    instanceId,
                    Map.copyOf(config.labels()),
                    profiles.names(),
                    config.capacity(),
                    running.list().stream()
                            .map(AttemptProgress::lease)
                            .map(l -> l.leaseId())
                            .toList(),
                    Instant.now(),
                    profiles.offers());
            publisher.send(Envelope.of(EventType.NODE_HEARTBEAT, null, null, beat, Map.of()));
        } catch (RuntimeException e) {
            LOG.warnf("node heartbeat not sent: %s", e.getMessage());
        }
    }
}
