package dev.forgeline.dispatcher.rest;

import java.util.List;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.dispatcher.breaker.BreakerService;
import dev.forgeline.dispatcher.model.BreakerView;
import io.quarkus.security.Authenticated;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Circuit breakers per agent profile, per node and for the fleet. */
@Path("/breakers")
@Tag(name = "Breakers", description = "Circuit breakers per agent profile, per node and for the fleet")
@Produces(MediaType.APPLICATION_JSON)
public class BreakerResource {
    private final BreakerService breakers;

    public BreakerResource(BreakerService breakers) {
        this.breakers = breakers;
    }

    @Authenticated
    @GET
    @Operation(summary = "Every circuit breaker (per agent profile, per node, fleet) with its state")
    public List<BreakerView> list() {
        return breakers.list();
    }
}
