package dev.forgeline.planner.rest;

import java.util.List;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.forgeline.planner.dto.SpecSubmission;
import dev.forgeline.planner.dto.SpecSummary;
import dev.forgeline.planner.dto.SpecView;
import dev.forgeline.planner.service.SpecService;
import dev.forgeline.planner.service.SpecSubmissionService;
import dev.forgeline.planner.service.SpecSubmissionService.Options;

/** Spec ingest and the task graph's state. */
@Path("/specs")
@Produces(MediaType.APPLICATION_JSON)
public class SpecResource {
    static final String TEXT_MARKDOWN = "text/markdown";
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final SpecSubmissionService submissions;
    private final SpecService specs;

    public SpecResource(SpecSubmissionService submissions, SpecService specs) {
        this.submissions = submissions;
        this.specs = specs;
    }

    /**
     * A spec as Markdown bytes (UTF-8); {@code format} names its format (detected when absent),
     * {@code repository} and {@code baseBranch} override the spec's header lines, {@code testCommand} is the test
     * command of spec-kit and Kiro tasks.
     */
    @POST
    @Consumes({TEXT_MARKDOWN, MediaType.TEXT_PLAIN, MediaType.APPLICATION_OCTET_STREAM})
    public Response submitMarkdown(
            byte[] body,
            @QueryParam("format") String format,
            @QueryParam("repository") String repository,
            @QueryParam("baseBranch") String baseBranch,
            @QueryParam("testCommand") String testCommand,
            @HeaderParam(IDEMPOTENCY_KEY) String idempotencyKey) {
        String markdown = submissions.decode(body);
        return created(
                submissions.submit(markdown, new Options(format, repository, baseBranch, testCommand, idempotencyKey)));
    }

    /** {@code {"markdown": "...", "repository": "...", "baseBranch": "..."}}; query parameters win. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response submitJson(
            SpecSubmission submission,
            @QueryParam("format") String format,
            @QueryParam("repository") String repository,
            @QueryParam("baseBranch") String baseBranch,
            @QueryParam("testCommand") String testCommand,
            @HeaderParam(IDEMPOTENCY_KEY) String idempotencyKey) {
        SpecSubmission body = submission == null ? new SpecSubmission(null, null, null) : submission;
        return created(submissions.submit(
                body.markdown(),
                new Options(
                        format,
                        firstGiven(repository, body.repository()),
                        firstGiven(baseBranch, body.baseBranch()),
                        testCommand,
                        idempotencyKey)));
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
        return Response.status(Response.Status.CREATED)
                .header(HttpHeaders.LOCATION, "/specs/" + spec.id())
                .entity(spec)
                .build();
    }

    private static String firstGiven(String preferred, String fallback) {
        return preferred != null && !preferred.isBlank() ? preferred : fallback;
    }
}
