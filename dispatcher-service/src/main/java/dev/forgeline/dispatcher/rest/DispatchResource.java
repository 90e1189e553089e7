package dev.forgeline.dispatcher.rest;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.dispatcher.model.DispatchStatus;
import dev.forgeline.dispatcher.service.GateService;
import dev.forgeline.support.auth.Roles;
import io.quarkus.security.Authenticated;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Pausing and resuming dispatch, and why it is held. */
@Path("/dispatch")
@Tag(name = "Dispatch", description = "Pausing and resuming dispatch, and the dispatcher's counters")
@Produces(MediaType.APPLICATION_JSON)
public class DispatchResource {
    private final GateService gates;

    public DispatchResource(GateService gates) {
        this.gates = gates;
    }

    @Authenticated
    @GET
    @Operation(summary = "Whether dispatch is held, and why (manual pause, budget, review backlog)")
    public DispatchStatus status() {
        return gates.status();
    }

    /** Stops all leasing; running attempts go on. */
    @RolesAllowed(Roles.OPERATOR)
    @POST
    @Path("/pause")
    @Operation(summary = "Pause dispatch: no new leases; running attempts go on")
    public DispatchStatus pause(@QueryParam("reason") String reason) {
        return gates.pause(reason);
    }

    /** Lifts the manual pause; {@code ?all=true} lifts budget and review holds too. */
    @RolesAllowed(Roles.OPERATOR)
    @POST
    @Path("/resume")
    @Operation(summary = "Lift the manual pause; all=true lifts budget and review holds too")
    public DispatchStatus resume(@QueryParam("all") boolean all) {
        return gates.resume(all);
    }
}
