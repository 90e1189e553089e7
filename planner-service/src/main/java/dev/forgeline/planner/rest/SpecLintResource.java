package dev.forgeline.planner.rest;

import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.planner.dto.LintReport;
import dev.forgeline.planner.service.SpecSubmissionService;
import dev.forgeline.planner.service.SpecSubmissionService.Options;
import io.vertx.ext.web.Router;

/**
 * {@code POST /specs:lint} (also {@code POST /specs/lint}): the quality report of a spec; creates nothing. JAX-RS
 * paths cannot end a segment in {@code :lint}, so an HTTP route reroutes the colon form to the resource.
 */
@Path("/specs/lint")
@Produces(MediaType.APPLICATION_JSON)
public class SpecLintResource {
    static final String COLON_PATH = "/specs:lint";

    private final SpecSubmissionService submissions;

    public SpecLintResource(SpecSubmissionService submissions) {
        this.submissions = submissions;
    }

    @POST
    @Consumes({SpecResource.TEXT_MARKDOWN, MediaType.TEXT_PLAIN, MediaType.APPLICATION_OCTET_STREAM})
    public LintReport lint(
            byte[] body, @QueryParam("format") String format, @QueryParam("testCommand") String testCommand) {
        return submissions.lint(submissions.decode(body), new Options(format, null, null, testCommand, null));
    }

    /** Sends {@code /specs:lint} (with its query string) to this resource. */
    void colonForm(@Observes Router router) {
        router.route(COLON_PATH).order(-1).handler(ctx -> {
            String query = ctx.request().query();
            ctx.reroute("/specs/lint" + (query == null || query.isEmpty() ? "" : "?" + query));
        });
    }
}
