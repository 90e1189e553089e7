package dev.forgeline.support.audit.rest;

import java.util.List;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.support.audit.AuditEntry;
import dev.forgeline.support.audit.AuditTrail;
import dev.forgeline.support.auth.Roles;
import io.quarkus.arc.properties.IfBuildProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The audit trail of this service's actions: who did what, to what, when and why. One resource for every service
 * that keeps a trail: it exists where {@link AuditTrail} does (the same build switch), so a service without a
 * database (the worker) neither serves nor documents {@code /audit}.
 */
@Path("/audit")
@IfBuildProperty(name = "forgeline.outbox.enabled", stringValue = "true", enableIfMissing = true)
@Tag(name = "Audit", description = "Who did what, to what, when and why; entries are never changed")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {
    private final AuditTrail audit;

    public AuditResource(AuditTrail audit) {
        this.audit = audit;
    }

    @RolesAllowed(Roles.OPERATOR)
    @GET
    @Operation(
            summary = "Audit entries, newest first",
            description = "Filters: since (an instant or an age: 90m, 24h, 7d), actor, action (e.g. task.cancel),"
                    + " target; limit 1..1000 (default 100).")
    @APIResponse(responseCode = "200", description = "The entries")
    @APIResponse(
            responseCode = "400",
            description = "A since that is neither an instant nor an age, an unknown action or a limit out of range ("
                    + AuditTrail.INVALID_AUDIT_QUERY
                    + ")")
    public List<AuditEntry> list(
            @QueryParam("since") String since,
            @QueryParam("actor") String actor,
            @QueryParam("action") String action,
            @QueryParam("target") String target,
            @QueryParam("limit") Integer limit) {
        return audit.list(since, actor, action, target, limit);
    }
}
