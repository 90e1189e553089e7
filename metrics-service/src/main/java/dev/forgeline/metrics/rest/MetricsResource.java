package dev.forgeline.metrics.rest;

import dev.forgeline.metrics.service.MetricsService;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Optional;

@Path("/metrics")
@Produces(MediaType.APPLICATION_JSON)
public class MetricsResource {
    private final MetricsService metrics;

    public MetricsResource(MetricsService metrics) {
        this.metrics = metrics;
    }

    /** Totals over all tasks, or over one spec's tasks with {@code ?specId=}. */
    @GET
    @Path("/summary")
    public MetricsSummary summary(@QueryParam("specId") String specId) {
        return metrics.summary(Optional.ofNullable(specId).filter(s -> !s.isBlank()));
    }
}
