package dev.forgeline.metrics.rest;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;

import dev.forgeline.metrics.service.FiguresService;
import dev.forgeline.metrics.service.ReportRenderer;
import dev.forgeline.support.problem.ProblemException;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Reports as Markdown tables shaped like the field reports. */
@Path("/reports")
@Tag(name = "Reports", description = "Reports as Markdown tables")
@Produces("text/markdown; charset=utf-8")
public class ReportsResource {
    private final FiguresService figures;
    private final SecurityIdentity caller;

    public ReportsResource(FiguresService figures, SecurityIdentity caller) {
        this.figures = figures;
        this.caller = caller;
    }

    /** The tasks first seen in the week (Monday to Sunday, UTC) of {@code ?week=YYYY-MM-DD}, default this week. */
    @Authenticated
    @GET
    @Path("/weekly")
    @Operation(summary = "The weekly report as Markdown: tasks first seen in the week of week=YYYY-MM-DD (default now)")
    @APIResponse(responseCode = "200", description = "The report")
    @APIResponse(responseCode = "400", description = "week is not a date (https://forgeline.dev/problems/invalid-week)")
    public String weekly(@QueryParam("week") String week) {
        LocalDate day = week == null || week.isBlank() ? LocalDate.now(ZoneOffset.UTC) : Weeks.parse(week);
        LocalDate monday = FiguresService.monday(day);
        return ReportRenderer.render("Forgeline weekly report, week of " + monday, figures.forWeek(monday, caller));
    }

    @Authenticated
    @GET
    @Path("/specs/{specId}")
    @Operation(summary = "One spec's report as Markdown")
    @APIResponse(responseCode = "200", description = "The report")
    @APIResponse(
            responseCode = "404",
            description =
                    "No events about this spec have arrived, or it is of a project the caller does not see (about:blank)")
    public String spec(@PathParam("specId") String specId) {
        if (!figures.knows(specId, caller)) {
            throw ProblemException.notFound("no events about spec '" + specId + "' have arrived");
        }
        return ReportRenderer.render("Forgeline report, spec " + specId, figures.forSpec(Optional.of(specId), caller));
    }
}
