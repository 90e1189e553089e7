package dev.forgeline.worker.node;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.support.background.BackgroundWork;
import dev.forgeline.worker.adapter.AgentProfiles;
import dev.forgeline.worker.config.WorkerConfig;
import dev.forgeline.worker.messaging.LeaseFeedClient;
import dev.forgeline.worker.messaging.NodeHeartbeatPublisher;
import dev.forgeline.worker.model.NodeRegistration;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import org.jboss.logging.Logger;

/**
 * Registers this node with the dispatcher in the background: the worker boots and consumes leases whether or
 * not the dispatcher is up, and keeps trying (1 s, doubling, at most 15 s apart) until it answers 2xx. It registers
 * again whenever the lease feed answers that the dispatcher does not know the node.
 */
@ApplicationScoped
public class NodeRegistrar {
    private static final Logger LOG = Logger.getLogger(NodeRegistrar.class);
    private static final long FIRST_DELAY_MILLIS = 1_000;
    private static final long MAX_DELAY_MILLIS = 15_000;

    private final WorkerConfig config;
    private final ObjectMapper json;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ScheduledExecutorService timer;
    private volatile boolean registered;
    /** A registration is being tried (with its retries): another request to register waits for it. */
    private final AtomicBoolean registering = new AtomicBoolean();

    private final AgentProfiles profiles;
    private final NodeHeartbeatPublisher nodeHeartbeats;

    public NodeRegistrar(
            WorkerConfig config,
            ObjectMapper json,
            AgentProfiles profiles,
            NodeHeartbeatPublisher nodeHeartbeats,
            BackgroundWork background) {
        this.timer = background.timer("node-registration");
        this.config = config;
        this.profiles = profiles;
        this.nodeHeartbeats = nodeHeartbeats;
        this.json = json;
    }

    void onStart(@Observes StartupEvent event) {
        registering.set(true);
        timer.execute(() -> register(FIRST_DELAY_MILLIS));
    }

    /**
     * Registers again, as at the start: the dispatcher answered that it does not know this node. Nothing happens while
     * a registration is still being tried.
     */
    void onNodeUnknown(@Observes LeaseFeedClient.NodeUnknown event) {
        registerAgain();
    }

    public void registerAgain() {
        if (!timer.isShutdown() && registering.compareAndSet(false, true)) {
            timer.execute(() -> register(FIRST_DELAY_MILLIS));
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        timer.shutdownNow();
    }

    public boolean registered() {
        return registered;
    }

    public NodeRegistration registration() {
        return new NodeRegistration(
                config.nodeName(),
                config.capacity(),
                new TreeMap<>(config.labels()),
                profiles.names(),
                profiles.offers(),
                nodeHeartbeats.instanceId());
    }

    private void register(long nextDelayMillis) {
        URI uri = URI.create(config.dispatcherUrl().replaceAll("/+$", "") + "/nodes");
        try {
            HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(registration())));
            config.token().ifPresent(token -> builder.header("Authorization", "Bearer " + token));
            HttpRequest request = builder.build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 == 2) {
                registered = true;
                registering.set(false);
                LOG.infof("node %s registered with the dispatcher at %s", config.nodeName(), uri);
                return;
            }
            LOG.warnf(
                    "dispatcher answered %d to the registration of %s; retrying in %d ms%s",
                    response.statusCode(),
                    config.nodeName(),
                    nextDelayMillis,
                    response.statusCode() == 401 || response.statusCode() == 403
                            ? " (is forgeline.worker.token / FORGELINE_WORKER_TOKEN a valid worker token for this"
                                    + " node?)"
                            : "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            registering.set(false);
            return;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the node registration", e);
        } catch (Exception e) {
            LOG.warnf("dispatcher at %s not reachable (%s); retrying in %d ms", uri, e.toString(), nextDelayMillis);
        }
        if (!timer.isShutdown()) {
            timer.schedule(
                    () -> register(Math.min(nextDelayMillis * 2, MAX_DELAY_MILLIS)),
                    nextDelayMillis,
                    TimeUnit.MILLISECONDS);
        }
    }
}
