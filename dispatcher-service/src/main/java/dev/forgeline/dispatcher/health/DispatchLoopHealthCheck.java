package dev.forgeline.dispatcher.health;

import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.dispatcher.dispatch.DispatchLoop;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** The service is alive only while its dispatch loop thread runs. */
@Liveness
@ApplicationScoped
public class DispatchLoopHealthCheck implements HealthCheck {
    private final DispatchLoop dispatchLoop;

    public DispatchLoopHealthCheck(DispatchLoop dispatchLoop) {
        this.dispatchLoop = dispatchLoop;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("dispatch-loop")
                .status(dispatchLoop.isRunning())
                .build();
    }
}
