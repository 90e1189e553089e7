package dev.forgeline.review.rest;

import java.util.List;
import jakarta.annotation.security.RolesAllowed;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.review.service.MergeService;
import dev.forgeline.review.service.RevertService;
import dev.forgeline.support.audit.AuditAction;
import dev.forgeline.support.audit.AuditTrail;
import dev.forgeline.support.auth.ApiTokens;
import dev.forgeline.support.auth.Callers;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.support.problem.ProblemException;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Merges on base branches, and reverting them by hand. {@code id} is the merge id or the merge commit. */
@Path("/merges")
@Tag(name = "Merges", description = "Merges on base branches and reverting them by hand")
@Produces(MediaType.APPLICATION_JSON)
public class MergeResource {
    private final MergeService merges;
    private final RevertService reverts;

    private final SecurityIdentity caller;
    private final ApiTokens tokens;
    private final AuditTrail audit;

    public MergeResource(
            MergeService merges, RevertService reverts, SecurityIdentity caller, ApiTokens tokens, AuditTrail audit) {
        this.caller = caller;
        this.tokens = tokens;
        this.audit = audit;
        this.merges = merges;
        this.reverts = reverts;
    }

    /** The latest 200 merges, newest first (reverted ones included). */
    @Authenticated
    @GET
    @Operation(summary = "The latest 200 merges, newest first (reverted ones included)")
    public List<ReviewView> list() {
        return merges.list(caller);
    }

    @Authenticated
    @GET
    @Path("/{id}")
    @Operation(summary = "One merge, by merge id or merge commit")
    @APIResponse(responseCode = "200", description = "The merge")
    @APIResponse(responseCode = "404", description = "No merge has this id or commit (about:blank)")
    public ReviewView get(@PathParam("id") String id) {
        return merges.get(id, caller);
    }

    /** Reverts the merge with a revert commit; body {@code {"reviewer": "...", "reason": "..."}} optional. */
    @RolesAllowed(Roles.REVIEWER)
    @POST
    @Path("/{id}/revert")
    @Operation(summary = "Revert a merge with a revert commit", description = "Body {reviewer, reason}, both optional.")
    @APIResponse(responseCode = "200", description = "The merge, REVERTED")
    @APIResponse(responseCode = "404", description = "No merge has this id or commit (about:blank)")
    @APIResponse(
            responseCode = "409",
            description = "The merge is not MERGED (https://forgeline.dev/problems/not-merged), or the revert failed"
                    + " (https://forgeline.dev/problems/revert-failed)")
    @Transactional(dontRollbackOn = ProblemException.class)
    public ReviewView revert(@PathParam("id") String id, DecisionRequest request) {
        merges.requireVisible(id, caller);
        DecisionRequest body = request == null ? new DecisionRequest(null, null, null) : request;
        String reviewer = Callers.recordedAs(caller, tokens, body.reviewer());
        ReviewView merge = reverts.revertByHand(id, reviewer, body.text());
        audit.record(AuditAction.MERGE_REVERT, id, body.text(), ReviewResource.decisionDetails(reviewer, merge));
        return merge;
    }
}
