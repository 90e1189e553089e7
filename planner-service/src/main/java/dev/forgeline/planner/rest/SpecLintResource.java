package dev.forgeline.planner.rest;

import dev.forgeline.planner.dto.LintReport;
import dev.forgeline.planner.service.SpecSubmissionService;
import dev.forgeline.planner.service.SpecSubmissionService.Options;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** {@code POST /specs:lint}: the quality report of a spec; creates nothing. */
@Path("/specs:lint")
@Produces(MediaType.APPLICATION_JSON)
public class SpecLintResource {
    private final SpecSubmissionService submissions;

    public SpecLintResource(SpecSubmissionService submissions) {
        this.submissions = submissions;
    }

    @POST
    @Consumes({SpecResource.TEXT_MARKDOWN, MediaType.TEXT_PLAIN, MediaType.APPLICATION_OCTET_STREAM})
    public LintReport lint(byte[] body, @QueryParam("format") String format,
            @QueryParam("testCommand") String testCommand) {
        return submissions.lint(submissions.decode(body), new Options(format, null, null, testCommand, null));
    }
}
