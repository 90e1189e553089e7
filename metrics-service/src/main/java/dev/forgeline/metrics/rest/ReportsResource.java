package dev.forgeline.metrics.rest;

import dev.forgeline.metrics.service.FiguresService;
import dev.forgeline.metrics.service.ReportRenderer;
import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.problem.ProblemException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

/** Reports as Markdown tables shaped like the field reports. */
@Path("/reports")
@Produces("text/markdown; charset=utf-8")
public class ReportsResource {
    private final FiguresService figures;

    public ReportsResource(FiguresService figures) {
        this.figures = figures;
    }

    /** The tasks first seen in the week (Monday to Sunday, UTC) of {@code ?week=YYYY-MM-DD}, default this week. */
    @GET
    @Path("/weekly")
    public String weekly(@QueryParam("week") String week) {
        LocalDate day;
        try {
            day = week == null || week.isBlank() ? LocalDate.now(ZoneOffset.UTC) : LocalDate.parse(week.strip());
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("https://forgeline.dev/problems/invalid-week", "Invalid week",
                    "week must be a date YYYY-MM-DD, got '" + week + "'",
                    List.of(new Problem.ProblemError(e.getMessage(), null, "week")));
        }
        LocalDate monday = FiguresService.monday(day);
        return ReportRenderer.render("Forgeline weekly report, week of " + monday, figures.forWeek(monday));
    }

    @GET
    @Path("/specs/{specId}")
    public String spec(@PathParam("specId") String specId) {
        if (!figures.knows(specId)) {
            throw ProblemException.notFound("no events about spec '" + specId + "' have arrived");
        }
        return ReportRenderer.render("Forgeline report, spec " + specId, figures.forSpec(Optional.of(specId)));
    }
}
