package dev.forgeline.metrics.rest;

import java.util.Map;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.metrics.service.RetentionService;
import dev.forgeline.support.audit.AuditAction;
import dev.forgeline.support.audit.AuditTrail;
import dev.forgeline.support.auth.Roles;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/retention")
@Tag(name = "Metrics")
@Produces(MediaType.APPLICATION_JSON)
public class RetentionResource {
    private final RetentionService retention;
    private final AuditTrail audit;

    public RetentionResource(RetentionService retention, AuditTrail audit) {
        this.retention = retention;
        this.audit = audit;
    }

    /** Runs a retention scan of every known repository now (the schedule runs the same scan). */
    @RolesAllowed(Roles.OPERATOR)
    @POST
    @Path("/scans")
    @Operation(summary = "Run a code retention scan of every known repository now (the schedule runs the same)")
    public RetentionService.Scan scan() {
        RetentionService.Scan scan = retention.scanAll();
        // a scan reads many repositories outside a transaction: recorded once it is done
        audit.record(
                AuditAction.RETENTION_SCAN,
                scan.scanId().toString(),
                null,
                Map.of("repositories", scan.repositories().size()));
        return scan;
    }
}
