package dev.forgeline.dispatcher.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.dispatcher.model.DispatcherStats;
import dev.forgeline.dispatcher.service.TaskQueryService;

/** The dispatcher's counters. */
@Path("/dispatcher/stats")
@Produces(MediaType.APPLICATION_JSON)
public class StatsResource {
    private final TaskQueryService queries;

    public StatsResource(TaskQueryService queries) {
        this.queries = queries;
    }

    @GET
    public DispatcherStats stats() {
        return queries.stats();
    }
}
