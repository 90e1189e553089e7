package dev.forgeline.metrics.rest;

import dev.forgeline.metrics.service.FiguresService;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Optional;

@Path("/metrics")
@Produces(MediaType.APPLICATION_JSON)
public class MetricsResource {
    private final FiguresService figures;

    public MetricsResource(FiguresService figures) {
        this.figures = figures;
    }

    /** Every figure over all tasks, or over one spec's tasks with {@code ?specId=}. */
    @GET
    @Path("/summary")
    public MetricsSummary summary(@QueryParam("specId") String specId) {
        return MetricsSummary.of(figures.forSpec(Optional.ofNullable(specId).filter(s -> !s.isBlank())));
    }
}
