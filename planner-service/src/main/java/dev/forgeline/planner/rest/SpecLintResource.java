package dev.forgeline.planner.rest;

import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.planner.dto.LintReport;
import dev.forgeline.planner.llm.LlmPlanner;
import dev.forgeline.planner.service.SpecSubmissionService;
import dev.forgeline.planner.service.SpecSubmissionService.Options;
import dev.forgeline.support.auth.Roles;
import io.vertx.ext.web.Router;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code POST /specs:lint} (also {@code POST /specs/lint}): the quality report of a spec; creates nothing. JAX-RS
 * paths cannot end a segment in {@code :lint}, so an HTTP route reroutes the colon form to the resource.
 */
@Path("/specs/lint")
@Tag(name = "Specs")
@Produces(MediaType.APPLICATION_JSON)
public class SpecLintResource {
    static final String COLON_PATH = "/specs:lint";

    private final SpecSubmissionService submissions;

    public SpecLintResource(SpecSubmissionService submissions) {
        this.submissions = submissions;
    }

    @RolesAllowed(Roles.SUBMITTER)
    @POST
    @Operation(
            summary = "Lint a spec",
            description = "The quality report of every task of a spec and the spec's faults; stores nothing and checks"
                    + " no repository. Also served at POST /specs:lint.")
    @APIResponse(responseCode = "200", description = "The quality report")
    @APIResponse(
            responseCode = "400",
            description = "The format parameter names no format (" + SpecSubmissionService.INVALID_SPEC + ")")
    @APIResponse(
            responseCode = "413",
            description =
                    "The spec is over forgeline.planner.max-spec-bytes (" + SpecSubmissionService.SPEC_TOO_LARGE + ")")
    @APIResponse(
            responseCode = "415",
            description = "The body is not UTF-8 text (" + SpecSubmissionService.SPEC_NOT_TEXT
                    + "), or the content type is not accepted (about:blank)")
    @APIResponse(
            responseCode = "422",
            description = "Free-form text without an LLM planner (" + SpecSubmissionService.NEEDS_LLM + ")")
    @APIResponse(
            responseCode = "502",
            description = "The LLM planner gave no valid plan for a free-form spec (" + LlmPlanner.LLM_FAILED + ")")
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
