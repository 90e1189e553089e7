package dev.forgeline.dispatcher.rest;

import java.util.List;
import java.util.Map;
import jakarta.annotation.security.RolesAllowed;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.dispatcher.breaker.BreakerService;
import dev.forgeline.dispatcher.model.BreakerView;
import dev.forgeline.support.audit.AuditAction;
import dev.forgeline.support.audit.AuditTrail;
import dev.forgeline.support.auth.Roles;
import io.quarkus.security.Authenticated;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Circuit breakers per agent profile, per node and for the fleet. */
@Path("/breakers")
@Tag(name = "Breakers", description = "Circuit breakers per agent profile, per node and for the fleet")
@Produces(MediaType.APPLICATION_JSON)
public class BreakerResource {
    private final BreakerService breakers;
    private final AuditTrail audit;

    public BreakerResource(BreakerService breakers, AuditTrail audit) {
        this.breakers = breakers;
        this.audit = audit;
    }

    @Authenticated
    @GET
    @Operation(summary = "Every circuit breaker (per agent profile, per node, fleet) with its state")
    public List<BreakerView> list() {
        return breakers.list();
    }

    /** Closes an OPEN or HALF_OPEN breaker at once; a CLOSED one is returned unchanged. */
    @RolesAllowed(Roles.OPERATOR)
    @POST
    @Path("/{scope}/{key}/close")
    @Operation(
            summary = "Close a breaker by hand (the node or profile is fixed): dispatch to it resumes at once and its"
                    + " window restarts")
    @APIResponse(responseCode = "200", description = "The breaker, CLOSED")
    @APIResponse(responseCode = "404", description = "The scope is not PROFILE, NODE or GLOBAL (about:blank)")
    @Transactional
    public BreakerView close(
            @PathParam("scope") String scope,
            @PathParam("key") String key,
            @HeaderParam(AuditTrail.REASON_HEADER) String reason) {
        BreakerView closed = breakers.close(scope, key, reason);
        audit.record(
                AuditAction.BREAKER_CLOSE,
                closed.scope() + "/" + key,
                null,
                Map.of("state", String.valueOf(closed.state())));
        return closed;
    }
}
