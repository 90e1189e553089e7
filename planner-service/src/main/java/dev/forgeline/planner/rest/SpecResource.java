package dev.forgeline.planner.rest;

import dev.forgeline.planner.dto.SpecSubmission;
import dev.forgeline.planner.dto.SpecSummary;
import dev.forgeline.planner.dto.SpecView;
import dev.forgeline.planner.service.SpecService;
import dev.forgeline.planner.service.SpecSubmissionService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/** Spec ingest and the task graph's state. */
@Path("/specs")
@Produces(MediaType.APPLICATION_JSON)
public class SpecResource {
    static final String TEXT_MARKDOWN = "text/markdown";

    private final SpecSubmissionService submissions;
    private final SpecService specs;

    public SpecResource(SpecSubmissionService submissions, SpecService specs) {
        this.submissions = submissions;
        this.specs = specs;
    }

    /** A spec as Markdown; {@code repository} and {@code baseBranch} override the spec's header lines. */
    @POST
    @Consumes({TEXT_MARKDOWN, MediaType.TEXT_PLAIN})
    public Response submitMarkdown(String markdown, @QueryParam("repository") String repository,
            @QueryParam("baseBranch") String baseBranch) {
        return created(submissions.submit(markdown, repository, baseBranch));
    }

    /** {@code {"markdown": "...", "repository": "...", "baseBranch": "..."}}; query parameters win. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response submitJson(SpecSubmission submission, @QueryParam("repository") String repository,
            @QueryParam("baseBranch") String baseBranch) {
        SpecSubmission body = submission == null ? new SpecSubmission(null, null, null) : submission;
        return created(submissions.submit(body.markdown(), firstGiven(repository, body.repository()),
                firstGiven(baseBranch, body.baseBranch())));
    }

    @GET
    public List<SpecSummary> list() {
        return specs.list();
    }

    @GET
    @Path("{id}")
    public SpecView get(@PathParam("id") String id) {
        return specs.get(id);
    }

    private static Response created(SpecView spec) {
        return Response.status(Response.Status.CREATED).header(HttpHeaders.LOCATION, "/specs/" + spec.id())
                .entity(spec).build();
    }

    private static String firstGiven(String preferred, String fallback) {
        return preferred != null && !preferred.isBlank() ? preferred : fallback;
    }
}
