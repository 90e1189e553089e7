package dev.forgeline.worker.sandbox;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness says how agents and tests are confined: down only when bubblewrap is required and missing (every
 * attempt would fail); unconfined in mode {@code auto} is up, with the reason in the data.
 */
@Readiness
@ApplicationScoped
public class SandboxHealthCheck implements HealthCheck {
    private final WorkerSandbox sandbox;

    public SandboxHealthCheck(WorkerSandbox sandbox) {
        this.sandbox = sandbox;
    }

    @Override
    public HealthCheckResponse call() {
        var decision = sandbox.decision();
        return HealthCheckResponse.named("sandbox")
                .status(!decision.refused())
                .withData("mode", decision.mode().name().toLowerCase(java.util.Locale.ROOT))
                .withData("sandboxed", decision.sandboxed())
                .withData("detail", decision.detail())
                .build();
    }
}
