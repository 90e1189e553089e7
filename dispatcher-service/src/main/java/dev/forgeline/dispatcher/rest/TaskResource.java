package dev.forgeline.dispatcher.rest;

import dev.forgeline.dispatcher.model.TaskView;
import dev.forgeline.dispatcher.service.TaskQueryService;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** Tasks as the dispatcher sees them, with their attempts. */
@Path("/tasks")
@Produces(MediaType.APPLICATION_JSON)
public class TaskResource {
    private final TaskQueryService queries;

    public TaskResource(TaskQueryService queries) {
        this.queries = queries;
    }

    @GET
    public List<TaskView> list(@QueryParam("state") String state, @QueryParam("specId") String specId,
            @QueryParam("limit") Integer limit) {
        return queries.list(state, specId, limit);
    }

    @GET
    @Path("/{specId}/{taskId}")
    public TaskView get(@PathParam("specId") String specId, @PathParam("taskId") String taskId) {
        return queries.get(specId, taskId);
    }
}
