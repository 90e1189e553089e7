package dev.forgeline.metrics.rest;

import java.util.List;
import java.util.Optional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.metrics.service.FiguresService;
import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.problem.ProblemException;

@Path("/metrics")
@Produces(MediaType.APPLICATION_JSON)
public class MetricsResource {
    private final FiguresService figures;

    public MetricsResource(FiguresService figures) {
        this.figures = figures;
    }

    /**
     * Every figure over all tasks, over one spec's tasks with {@code ?specId=}, or over the tasks first seen in the
     * week (Monday to Sunday, UTC) of {@code ?week=YYYY-MM-DD}.
     */
    @GET
    @Path("/summary")
    public MetricsSummary summary(@QueryParam("specId") String specId, @QueryParam("week") String week) {
        if (week != null && !week.isBlank()) {
            if (specId != null && !specId.isBlank()) {
                throw ProblemException.badRequest(
                        "https://forgeline.dev/problems/invalid-scope",
                        "Invalid scope",
                        "give either specId or week, not both",
                        List.of(new Problem.ProblemError("specId and week are exclusive", null, "week")));
            }
            return MetricsSummary.of(figures.forWeek(Weeks.parse(week)));
        }
        return MetricsSummary.of(figures.forSpec(Optional.ofNullable(specId).filter(s -> !s.isBlank())));
    }
}
