package dev.forgeline.worker.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.worker.adapter.AgentAdapters;
import dev.forgeline.worker.attempt.RunningAttempts;
import dev.forgeline.worker.config.WorkerConfig;
import dev.forgeline.worker.model.WorkerStatus;
import dev.forgeline.worker.node.NodeRegistrar;
import dev.forgeline.worker.sandbox.WorkerSandbox;
import io.quarkus.security.Authenticated;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** This node's identity and the attempts it is running. */
@Path("/worker")
@Tag(name = "Worker", description = "This node and its running attempts")
@Produces(MediaType.APPLICATION_JSON)
public class WorkerResource {
    private final WorkerConfig config;
    private final AgentAdapters adapters;
    private final RunningAttempts running;
    private final NodeRegistrar registrar;
    private final WorkerSandbox sandbox;

    public WorkerResource(
            WorkerConfig config,
            AgentAdapters adapters,
            RunningAttempts running,
            NodeRegistrar registrar,
            WorkerSandbox sandbox) {
        this.sandbox = sandbox;
        this.config = config;
        this.adapters = adapters;
        this.running = running;
        this.registrar = registrar;
    }

    @Authenticated
    @GET
    @Operation(
            summary = "This node",
            description =
                    "The node's name, capacity, default agent, whether the dispatcher registered it, and the"
                            + " attempts running now with their phase and elapsed time, and whether agents and tests run sandboxed.")
    public WorkerStatus status() {
        return new WorkerStatus(
                config.nodeName(),
                config.capacity(),
                adapters.defaultAdapter().id(),
                registrar.registered(),
                running.list().stream()
                        .map(p -> new WorkerStatus.RunningAttempt(
                                p.lease().task().specId(),
                                p.lease().task().taskId(),
                                p.lease().attempt(),
                                p.phase().name(),
                                p.elapsedMillis()))
                        .toList(),
                new WorkerStatus.SandboxStatus(
                        sandbox.decision().mode().name().toLowerCase(java.util.Locale.ROOT),
                        sandbox.decision().sandboxed(),
                        sandbox.decision().refused(),
                        sandbox.decision().detail()));
    }
}
