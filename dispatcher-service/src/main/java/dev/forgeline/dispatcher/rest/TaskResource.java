package dev.forgeline.dispatcher.rest;

import java.util.List;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.dispatcher.model.TaskView;
import dev.forgeline.dispatcher.service.TaskControlService;
import dev.forgeline.dispatcher.service.TaskQueryService;

/** Tasks as the dispatcher sees them, with their attempts. */
@Path("/tasks")
@Produces(MediaType.APPLICATION_JSON)
public class TaskResource {
    private final TaskQueryService queries;
    private final TaskControlService control;

    public TaskResource(TaskQueryService queries, TaskControlService control) {
        this.queries = queries;
        this.control = control;
    }

    /** Cancels a READY, LEASED or RUNNING task (its lease is revoked); 404 unknown, 409 any other state. */
    @POST
    @Path("/{specId}/{taskId}/cancel")
    public TaskView cancel(
            @PathParam("specId") String specId,
            @PathParam("taskId") String taskId,
            @QueryParam("reason") String reason) {
        control.cancel(specId, taskId, reason);
        return queries.get(specId, taskId);
    }

    /** Runs a FAILED or CANCELLED task again with a fresh attempt budget; 404 unknown, 409 any other state. */
    @POST
    @Path("/{specId}/{taskId}/retry")
    public TaskView retry(@PathParam("specId") String specId, @PathParam("taskId") String taskId) {
        control.retry(specId, taskId);
        return queries.get(specId, taskId);
    }

    @GET
    public List<TaskView> list(
            @QueryParam("state") String state,
            @QueryParam("specId") String specId,
            @QueryParam("limit") Integer limit) {
        return queries.list(state, specId, limit);
    }

    @GET
    @Path("/{specId}/{taskId}")
    public TaskView get(@PathParam("specId") String specId, @PathParam("taskId") String taskId) {
        return queries.get(specId, taskId);
    }
}
