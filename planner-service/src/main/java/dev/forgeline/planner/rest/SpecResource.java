package dev.forgeline.planner.rest;

import java.util.List;
import java.util.Map;
import jakarta.annotation.security.RolesAllowed;
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
import dev.forgeline.planner.llm.LlmPlanner;
import dev.forgeline.planner.service.GitRepositories;
import dev.forgeline.planner.service.SpecService;
import dev.forgeline.planner.service.SpecSubmissionService;
import dev.forgeline.planner.service.SpecSubmissionService.Options;
import dev.forgeline.support.audit.AuditAction;
import dev.forgeline.support.audit.AuditTrail;
import dev.forgeline.support.auth.Roles;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Spec ingest and the task graph's state. */
@Path("/specs")
@Tag(name = "Specs", description = "Spec ingest and the task graph")
@Produces(MediaType.APPLICATION_JSON)
public class SpecResource {
    static final String TEXT_MARKDOWN = "text/markdown";
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final SpecSubmissionService submissions;
    private final SpecService specs;
    private final AuditTrail audit;
    private final SecurityIdentity caller;

    public SpecResource(
            SpecSubmissionService submissions, SpecService specs, AuditTrail audit, SecurityIdentity caller) {
        this.submissions = submissions;
        this.specs = specs;
        this.audit = audit;
        this.caller = caller;
    }

    /**
     * A spec as Markdown bytes (UTF-8); {@code format} names its format (detected when absent),
     * {@code repository} and {@code baseBranch} override the spec's header lines, {@code testCommand} is the test
     * command of spec-kit and Kiro tasks.
     */
    @RolesAllowed(Roles.SUBMITTER)
    @POST
    @Operation(
            summary = "Submit a spec",
            description = "The spec as Markdown (text/markdown, text/plain or bytes) or as JSON {markdown, repository,"
                    + " baseBranch}; query parameters win over the spec's header lines (project: a Project: line and a"
                    + " different project parameter is 400). An Idempotency-Key header"
                    + " makes a repeated submission return the first spec. 201 with the spec and its Location.")
    @APIResponse(
            responseCode = "201",
            description = "The spec was accepted: its tasks and their quality; Location names it",
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SpecView.class)))
    @APIResponse(
            responseCode = "400",
            description =
                    "The spec is invalid, every fault with its line and field (" + SpecSubmissionService.INVALID_SPEC
                            + ", also for an unknown format, an invalid project name or a Project: line that differs from the"
                            + " project parameter), or the repository address is not a git URL ("
                            + GitRepositories.INVALID_REPOSITORY_URL + ")")
    @APIResponse(
            responseCode = "403",
            description = "The caller's token does not carry the spec's project, or lacks the role ("
                    + "https://forgeline.dev/problems/forbidden)")
    @APIResponse(
            responseCode = "413",
            description =
                    "The spec is over forgeline.planner.max-spec-bytes (" + SpecSubmissionService.SPEC_TOO_LARGE + ")")
    @APIResponse(
            responseCode = "415",
            description = "The body is not UTF-8 text (" + SpecSubmissionService.SPEC_NOT_TEXT
                    + "; the line of the first bad byte), or the content type is not accepted (about:blank)")
    @APIResponse(
            responseCode = "422",
            description = "Free-form text without an LLM planner (" + SpecSubmissionService.NEEDS_LLM
                    + "), or the repository or base branch cannot be used: " + GitRepositories.REPOSITORY_NOT_FOUND
                    + ", " + GitRepositories.BASE_BRANCH_MISSING + ", "
                    + GitRepositories.REPOSITORY_CREDENTIALS_REJECTED
                    + ", " + GitRepositories.REPOSITORY_UNREACHABLE + "; or the Idempotency-Key was used for a"
                    + " submission into another project (" + SpecService.IDEMPOTENCY_KEY_REUSED + ")")
    @APIResponse(
            responseCode = "502",
            description = "The LLM planner gave no valid plan for a free-form spec (" + LlmPlanner.LLM_FAILED + ")")
    @Consumes({TEXT_MARKDOWN, MediaType.TEXT_PLAIN, MediaType.APPLICATION_OCTET_STREAM})
    public Response submitMarkdown(
            byte[] body,
            @QueryParam("format") String format,
            @QueryParam("repository") String repository,
            @QueryParam("baseBranch") String baseBranch,
            @QueryParam("testCommand") String testCommand,
            @QueryParam("project") String project,
            @HeaderParam(IDEMPOTENCY_KEY) String idempotencyKey) {
        String markdown = submissions.decode(body);
        return created(submissions.submit(
                markdown, new Options(format, repository, baseBranch, testCommand, idempotencyKey, project), caller));
    }

    /**
     * {@code {"markdown": "...", "repository": "...", "baseBranch": "..."}}; query parameters win. One OpenAPI
     * operation with the Markdown form (same path and verb), so both carry the same documentation.
     */
    @RolesAllowed(Roles.SUBMITTER)
    @POST
    @Operation(
            summary = "Submit a spec",
            description = "The spec as Markdown (text/markdown, text/plain or bytes) or as JSON {markdown, repository,"
                    + " baseBranch}; query parameters win over the spec's header lines (project: a Project: line and a"
                    + " different project parameter is 400). An Idempotency-Key header"
                    + " makes a repeated submission return the first spec. 201 with the spec and its Location.")
    @APIResponse(
            responseCode = "201",
            description = "The spec was accepted: its tasks and their quality; Location names it",
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SpecView.class)))
    @APIResponse(
            responseCode = "400",
            description =
                    "The spec is invalid, every fault with its line and field (" + SpecSubmissionService.INVALID_SPEC
                            + ", also for an unknown format, an invalid project name or a Project: line that differs from the"
                            + " project parameter), or the repository address is not a git URL ("
                            + GitRepositories.INVALID_REPOSITORY_URL + ")")
    @APIResponse(
            responseCode = "403",
            description = "The caller's token does not carry the spec's project, or lacks the role ("
                    + "https://forgeline.dev/problems/forbidden)")
    @APIResponse(
            responseCode = "413",
            description =
                    "The spec is over forgeline.planner.max-spec-bytes (" + SpecSubmissionService.SPEC_TOO_LARGE + ")")
    @APIResponse(
            responseCode = "415",
            description = "The body is not UTF-8 text (" + SpecSubmissionService.SPEC_NOT_TEXT
                    + "; the line of the first bad byte), or the content type is not accepted (about:blank)")
    @APIResponse(
            responseCode = "422",
            description = "Free-form text without an LLM planner (" + SpecSubmissionService.NEEDS_LLM
                    + "), or the repository or base branch cannot be used: " + GitRepositories.REPOSITORY_NOT_FOUND
                    + ", " + GitRepositories.BASE_BRANCH_MISSING + ", "
                    + GitRepositories.REPOSITORY_CREDENTIALS_REJECTED
                    + ", " + GitRepositories.REPOSITORY_UNREACHABLE + "; or the Idempotency-Key was used for a"
                    + " submission into another project (" + SpecService.IDEMPOTENCY_KEY_REUSED + ")")
    @APIResponse(
            responseCode = "502",
            description = "The LLM planner gave no valid plan for a free-form spec (" + LlmPlanner.LLM_FAILED + ")")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response submitJson(
            SpecSubmission submission,
            @QueryParam("format") String format,
            @QueryParam("repository") String repository,
            @QueryParam("baseBranch") String baseBranch,
            @QueryParam("testCommand") String testCommand,
            @QueryParam("project") String project,
            @HeaderParam(IDEMPOTENCY_KEY) String idempotencyKey) {
        SpecSubmission body = submission == null ? new SpecSubmission(null, null, null) : submission;
        return created(submissions.submit(
                body.markdown(),
                new Options(
                        format,
                        firstGiven(repository, body.repository()),
                        firstGiven(baseBranch, body.baseBranch()),
                        testCommand,
                        idempotencyKey,
                        project),
                caller));
    }

    @Authenticated
    @GET
    @Operation(summary = "List the specs of the caller's projects")
    public List<SpecSummary> list() {
        return specs.list(caller);
    }

    @Authenticated
    @GET
    @Path("{id}")
    @Operation(summary = "One spec with its task graph and every task's state")
    @APIResponse(responseCode = "200", description = "The spec")
    @APIResponse(
            responseCode = "404",
            description = "No spec has this id, or it belongs to a project the caller does not see (about:blank)")
    public SpecView get(@PathParam("id") String id) {
        return specs.get(id, caller);
    }

    /** Records the submission (after it committed: a submission checks the repository outside a transaction). */
    private Response created(SpecView spec) {
        audit.record(
                AuditAction.SPEC_SUBMIT,
                spec.id(),
                null,
                Map.of(
                        "name",
                        String.valueOf(spec.name()),
                        "tasks",
                        spec.tasks().size()));
        return Response.status(Response.Status.CREATED)
                .header(HttpHeaders.LOCATION, "/specs/" + spec.id())
                .entity(spec)
                .build();
    }

    private static String firstGiven(String preferred, String fallback) {
        return preferred != null && !preferred.isBlank() ? preferred : fallback;
    }
}
