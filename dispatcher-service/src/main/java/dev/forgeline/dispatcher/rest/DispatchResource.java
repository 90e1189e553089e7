package dev.forgeline.dispatcher.rest;

import java.util.Map;
import jakarta.annotation.security.RolesAllowed;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.dispatcher.gate.GateService;
import dev.forgeline.dispatcher.model.DispatchStatus;
import dev.forgeline.support.audit.AuditAction;
import dev.forgeline.support.audit.AuditTrail;
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
    private final AuditTrail audit;

    public DispatchResource(GateService gates, AuditTrail audit) {
        this.gates = gates;
        this.audit = audit;
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
    @Transactional
    public DispatchStatus pause(@QueryParam("reason") String reason) {
        DispatchStatus status = gates.pause(reason);
        audit.record(AuditAction.DISPATCH_PAUSE, null, reason, Map.of());
        return status;
    }

    /** Lifts the manual pause; {@code ?all=true} lifts budget and review holds too. */
    @RolesAllowed(Roles.OPERATOR)
    @POST
    @Path("/resume")
    @Operation(summary = "Lift the manual pause; all=true lifts budget and review holds too")
    @Transactional
    public DispatchStatus resume(@QueryParam("all") boolean all) {
        DispatchStatus status = gates.resume(all);
        // all=true also lifts the budget and review holds
        audit.record(AuditAction.DISPATCH_RESUME, null, null, Map.of("all", all));
        return status;
    }
}
