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
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/metrics")
@Tag(name = "Metrics", description = "Figures: compute time, cost, success, review levels, retention")
@Produces(MediaType.APPLICATION_JSON)
public class MetricsResource {
    private final FiguresService figures;
    private final SecurityIdentity caller;

    public MetricsResource(FiguresService figures, SecurityIdentity caller) {
        this.figures = figures;
        this.caller = caller;
    }

    /**
     * Every figure over all tasks, over one spec's tasks with {@code ?specId=}, or over the tasks first seen in the
     * week (Monday to Sunday, UTC) of {@code ?week=YYYY-MM-DD}.
     */
    @Authenticated
    @GET
    @Path("/summary")
    @Operation(
            summary = "Every figure over all tasks, one spec's tasks (specId) or one week's (week=YYYY-MM-DD)",
            description = "The week runs Monday to Sunday, UTC; any day of it names it.")
    @APIResponse(responseCode = "200", description = "The figures")
    @APIResponse(
            responseCode = "400",
            description = "Both specId and week given (https://forgeline.dev/problems/invalid-scope), or week is not"
                    + " a date (https://forgeline.dev/problems/invalid-week)")
    public MetricsSummary summary(@QueryParam("specId") String specId, @QueryParam("week") String week) {
        if (week != null && !week.isBlank()) {
            if (specId != null && !specId.isBlank()) {
                throw ProblemException.badRequest(
                        "https://forgeline.dev/problems/invalid-scope",
                        "Invalid scope",
                        "give either specId or week, not both",
                        List.of(new Problem.ProblemError("specId and week are exclusive", null, "week")));
            }
            return MetricsSummary.of(figures.forWeek(Weeks.parse(week), caller));
        }
        return MetricsSummary.of(figures.forSpec(Optional.ofNullable(specId).filter(s -> !s.isBlank()), caller));
    }
}
