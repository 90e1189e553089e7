package dev.forgeline.dispatcher.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.dispatcher.model.DispatcherStats;
import dev.forgeline.dispatcher.task.TaskQueryService;
import io.quarkus.security.Authenticated;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The dispatcher's counters. */
@Path("/dispatcher/stats")
@Tag(name = "Dispatch")
@Produces(MediaType.APPLICATION_JSON)
public class StatsResource {
    private final TaskQueryService queries;

    public StatsResource(TaskQueryService queries) {
        this.queries = queries;
    }

    @Authenticated
    @GET
    @Operation(summary = "The dispatcher's counters: tasks by state, leases, nodes")
    public DispatcherStats stats() {
        return queries.stats();
    }
}
