package dev.forgeline.dispatcher.rest;

import java.util.List;
import java.util.Map;
import jakarta.annotation.security.RolesAllowed;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.dispatcher.model.TaskView;
import dev.forgeline.dispatcher.task.TaskControlService;
import dev.forgeline.dispatcher.task.TaskQueryService;
import dev.forgeline.support.audit.AuditAction;
import dev.forgeline.support.audit.AuditTrail;
import dev.forgeline.support.auth.Roles;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Tasks as the dispatcher sees them, with their attempts. */
@Path("/tasks")
@Tag(name = "Tasks", description = "Tasks as the dispatcher sees them, with their attempts")
@Produces(MediaType.APPLICATION_JSON)
public class TaskResource {
    private final TaskQueryService queries;
    private final TaskControlService control;
    private final AuditTrail audit;
    private final SecurityIdentity caller;

    public TaskResource(
            TaskQueryService queries, TaskControlService control, AuditTrail audit, SecurityIdentity caller) {
        this.queries = queries;
        this.control = control;
        this.audit = audit;
        this.caller = caller;
    }

    /** Cancels a READY, LEASED or RUNNING task (its lease is revoked); 404 unknown, 409 any other state. */
    @RolesAllowed(Roles.OPERATOR)
    @POST
    @Path("/{specId}/{taskId}/cancel")
    @Operation(summary = "Cancel a READY, LEASED or RUNNING task; its lease is revoked")
    @APIResponse(responseCode = "200", description = "The task, CANCELLED")
    @APIResponse(
            responseCode = "404",
            description =
                    "The dispatcher knows no such task, or it is of a project the caller does not see (about:blank)")
    @APIResponse(
            responseCode = "409",
            description = "The task is in another state (urn:forgeline:problem:illegal-task-transition); nothing"
                    + " changes")
    @Transactional
    public TaskView cancel(
            @PathParam("specId") String specId,
            @PathParam("taskId") String taskId,
            @QueryParam("reason") String reason) {
        queries.requireVisible(specId, taskId, caller);
        control.cancel(specId, taskId, reason);
        audit.record(AuditAction.TASK_CANCEL, specId + "/" + taskId, reason, Map.of());
        return queries.get(specId, taskId, caller);
    }

    /** Runs a FAILED or CANCELLED task again with a fresh attempt budget; 404 unknown, 409 any other state. */
    @RolesAllowed(Roles.OPERATOR)
    @POST
    @Path("/{specId}/{taskId}/retry")
    @Operation(summary = "Run a FAILED or CANCELLED task again with a fresh attempt budget")
    @APIResponse(responseCode = "200", description = "The task, READY")
    @APIResponse(
            responseCode = "404",
            description =
                    "The dispatcher knows no such task, or it is of a project the caller does not see (about:blank)")
    @APIResponse(
            responseCode = "409",
            description = "The task is in another state (urn:forgeline:problem:illegal-task-transition); nothing"
                    + " changes")
    @Transactional
    public TaskView retry(@PathParam("specId") String specId, @PathParam("taskId") String taskId) {
        queries.requireVisible(specId, taskId, caller);
        control.retry(specId, taskId);
        audit.record(AuditAction.TASK_RETRY, specId + "/" + taskId, null, Map.of());
        return queries.get(specId, taskId, caller);
    }

    @Authenticated
    @GET
    @Operation(
            summary = "Tasks of the caller's projects, oldest ready first; filter by state and specId; limit 1..1000"
                    + " (default 100)")
    @APIResponse(responseCode = "200", description = "The tasks")
    @APIResponse(
            responseCode = "400",
            description = "An unknown state or a limit out of range (urn:forgeline:problem:invalid-task-query)")
    public List<TaskView> list(
            @QueryParam("state") String state,
            @QueryParam("specId") String specId,
            @QueryParam("limit") Integer limit) {
        return queries.list(state, specId, limit, caller);
    }

    @Authenticated
    @GET
    @Path("/{specId}/{taskId}")
    @Operation(summary = "One task with every lease it had and why it waits")
    @APIResponse(responseCode = "200", description = "The task")
    @APIResponse(
            responseCode = "404",
            description =
                    "The dispatcher knows no such task, or it is of a project the caller does not see (about:blank)")
    public TaskView get(@PathParam("specId") String specId, @PathParam("taskId") String taskId) {
        return queries.get(specId, taskId, caller);
    }
}
