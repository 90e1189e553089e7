package dev.forgeline.review.rest;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import jakarta.annotation.security.RolesAllowed;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.contracts.payload.ReviewBacklog;
import dev.forgeline.review.domain.ReviewState;
import dev.forgeline.review.service.BacklogService;
import dev.forgeline.review.service.ReviewService;
import dev.forgeline.support.audit.AuditAction;
import dev.forgeline.support.audit.AuditTrail;
import dev.forgeline.support.auth.ApiTokens;
import dev.forgeline.support.auth.Callers;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.problem.ProblemException;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/reviews")
@Tag(name = "Reviews", description = "Human review of finished tasks and the review backlog")
@Produces(MediaType.APPLICATION_JSON)
public class ReviewResource {
    private final ReviewService reviews;
    private final BacklogService backlog;

    private final SecurityIdentity caller;
    private final ApiTokens tokens;
    private final AuditTrail audit;

    public ReviewResource(
            ReviewService reviews,
            BacklogService backlog,
            SecurityIdentity caller,
            ApiTokens tokens,
            AuditTrail audit) {
        this.caller = caller;
        this.tokens = tokens;
        this.audit = audit;
        this.reviews = reviews;
        this.backlog = backlog;
    }

    /**
     * Reviews; {@code state} and {@code level} filter; {@code sort=age} lists the longest waiting first
     * (default: newest first).
     */
    @Authenticated
    @GET
    @Operation(summary = "Reviews, newest first; state and level filter; sort=age lists the longest waiting first")
    @APIResponse(responseCode = "200", description = "The reviews")
    @APIResponse(
            responseCode = "400",
            description =
                    "An unknown state, a level outside 0..3 or an unknown sort (https://forgeline.dev/problems/invalid-query)")
    public List<ReviewView> list(
            @QueryParam("state") String state, @QueryParam("level") Integer level, @QueryParam("sort") String sort) {
        return reviews.list(
                Optional.ofNullable(state).filter(s -> !s.isBlank()).map(ReviewResource::parseState),
                level(level),
                oldestFirst(sort),
                caller);
    }

    /** Reviews waiting for a person, longest waiting first; {@code level} filters. */
    @Authenticated
    @GET
    @Path("/pending")
    @Operation(summary = "Reviews waiting for a person, longest waiting first; level filters")
    @APIResponse(responseCode = "200", description = "The pending reviews")
    @APIResponse(
            responseCode = "400",
            description = "A level outside 0..3 (https://forgeline.dev/problems/invalid-query)")
    public List<ReviewView> pending(@QueryParam("level") Integer level) {
        return reviews.list(Optional.of(ReviewState.PENDING), level(level), true, caller);
    }

    /** The human review backlog as last announced on forgeline.review.backlog. */
    @Authenticated
    @GET
    @Path("/backlog")
    @Operation(summary = "The human review backlog as last announced, with the daily capacity")
    public ReviewBacklog backlog() {
        return backlog.current();
    }

    /** Sets the daily level 2-3 review capacity ({@code null}: the configured one). */
    @RolesAllowed(Roles.OPERATOR)
    @PUT
    @Path("/backlog")
    @Operation(summary = "Set the daily level 2-3 review capacity (null: the configured one)")
    @APIResponse(responseCode = "200", description = "The backlog with the new capacity")
    @APIResponse(
            responseCode = "400",
            description = "dailyCapacity is negative (https://forgeline.dev/problems/invalid-capacity)")
    @Transactional
    public ReviewBacklog setCapacity(CapacityRequest request) {
        Integer capacity = request == null ? null : request.dailyCapacity();
        if (capacity != null && capacity < 0) {
            throw ProblemException.badRequest(
                    "https://forgeline.dev/problems/invalid-capacity",
                    "Invalid capacity",
                    "dailyCapacity must not be negative",
                    List.of(new Problem.ProblemError("must be >= 0", null, "dailyCapacity")));
        }
        ReviewBacklog result = backlog.setCapacity(capacity);
        audit.record(
                AuditAction.REVIEW_CAPACITY_SET,
                null,
                null,
                Map.of("dailyCapacity", capacity == null ? "configured" : capacity));
        return result;
    }

    /** The task's current review with its diff, test and lint runs, cost and attempt history. */
    @Authenticated
    @GET
    @Path("/{specId}/{taskId}")
    @Operation(summary = "A task's current review with its diff, test and lint runs, cost and attempt history")
    @APIResponse(responseCode = "200", description = "The review")
    @APIResponse(
            responseCode = "404",
            description = "No review of this task, or it is of a project the caller does not see (about:blank)")
    public ReviewDetail get(@PathParam("specId") String specId, @PathParam("taskId") String taskId) {
        reviews.requireVisible(specId, taskId, caller);
        return reviews.detail(specId, taskId);
    }

    @RolesAllowed(Roles.REVIEWER)
    @POST
    @Path("/{specId}/{taskId}/approve")
    @Operation(
            summary = "Approve a pending review",
            description = "Merges the branch (or, in pull-request mode, approves the pull request, which merges"
                    + " once its checks are green). Body {reviewer, comment}, both optional. A change at or above"
                    + " forgeline.review.four-eyes-level (default 3) is approved by someone other than its spec's"
                    + " submitter.")
    @APIResponse(responseCode = "200", description = "The review, merged or waiting for its checks")
    @APIResponse(
            responseCode = "403",
            description = "The caller lacks the role (https://forgeline.dev/problems/forbidden), or submitted the"
                    + " spec of this change, whose risk level needs a second person"
                    + " (https://forgeline.dev/problems/four-eyes-required); nothing changes")
    @APIResponse(
            responseCode = "404",
            description = "No review of this task, or it is of a project the caller does not see (about:blank)")
    @APIResponse(
            responseCode = "409",
            description = "The review is not waiting for a person (https://forgeline.dev/problems/review-not-pending)"
                    + ", or the merge failed (https://forgeline.dev/problems/merge-failed)")
    @Transactional(dontRollbackOn = ProblemException.class)
    public ReviewView approve(
            @PathParam("specId") String specId, @PathParam("taskId") String taskId, DecisionRequest decision) {
        reviews.requireVisible(specId, taskId, caller);
        DecisionRequest body = orEmpty(decision);
        String reviewer = reviewer(body);
        ReviewView review = reviews.approve(specId, taskId, reviewer, body.text());
        audit.record(AuditAction.REVIEW_APPROVE, specId + "/" + taskId, body.text(), decisionDetails(reviewer, review));
        return review;
    }

    @RolesAllowed(Roles.REVIEWER)
    @POST
    @Path("/{specId}/{taskId}/reject")
    @Operation(summary = "Reject a pending review; a comment (or reason) is required")
    @APIResponse(responseCode = "200", description = "The review, REJECTED")
    @APIResponse(responseCode = "400", description = "No comment (https://forgeline.dev/problems/invalid-decision)")
    @APIResponse(
            responseCode = "404",
            description = "No review of this task, or it is of a project the caller does not see (about:blank)")
    @APIResponse(
            responseCode = "409",
            description = "The review is not waiting for a person (https://forgeline.dev/problems/review-not-pending)")
    @Transactional
    public ReviewView reject(
            @PathParam("specId") String specId, @PathParam("taskId") String taskId, DecisionRequest decision) {
        reviews.requireVisible(specId, taskId, caller);
        DecisionRequest body = orEmpty(decision);
        String reviewer = reviewer(body);
        ReviewView review = reviews.reject(specId, taskId, reviewer, body.text());
        audit.record(AuditAction.REVIEW_REJECT, specId + "/" + taskId, body.text(), decisionDetails(reviewer, review));
        return review;
    }

    @RolesAllowed(Roles.REVIEWER)
    @POST
    @Path("/{specId}/{taskId}/request-changes")
    @Operation(summary = "Send a pending review back: the task runs again with its comment (or reason; required)")
    @APIResponse(responseCode = "200", description = "The review, CHANGES_REQUESTED")
    @APIResponse(responseCode = "400", description = "No comment (https://forgeline.dev/problems/invalid-decision)")
    @APIResponse(
            responseCode = "404",
            description = "No review of this task, or it is of a project the caller does not see (about:blank)")
    @APIResponse(
            responseCode = "409",
            description = "The review is not waiting for a person (https://forgeline.dev/problems/review-not-pending)")
    @Transactional
    public ReviewView requestChanges(
            @PathParam("specId") String specId, @PathParam("taskId") String taskId, DecisionRequest decision) {
        reviews.requireVisible(specId, taskId, caller);
        DecisionRequest body = orEmpty(decision);
        String reviewer = reviewer(body);
        ReviewView review = reviews.requestChanges(specId, taskId, reviewer, body.text());
        audit.record(
                AuditAction.REVIEW_REQUEST_CHANGES,
                specId + "/" + taskId,
                body.text(),
                decisionDetails(reviewer, review));
        return review;
    }

    /** What the trail keeps of a decision: the name it is recorded under and the review's state after it. */
    static Map<String, Object> decisionDetails(String reviewer, ReviewView review) {
        Map<String, Object> details = new LinkedHashMap<>();
        if (reviewer != null) {
            details.put("reviewer", reviewer);
        }
        details.put("state", String.valueOf(review.state()));
        return details;
    }

    /** Body of {@code PUT /reviews/backlog}. */
    public record CapacityRequest(Integer dailyCapacity) {}

    /** With tokens on, the decision is recorded under the caller's token name, not a name the body claims. */
    private String reviewer(DecisionRequest body) {
        return Callers.recordedAs(caller, tokens, body.reviewer());
    }

    private static DecisionRequest orEmpty(DecisionRequest decision) {
        return decision == null ? new DecisionRequest(null, null, null) : decision;
    }

    private static Optional<Integer> level(Integer level) {
        if (level != null && (level < 0 || level > 3)) {
            throw ProblemException.badRequest(
                    "https://forgeline.dev/problems/invalid-query",
                    "Invalid query",
                    "level " + level + " does not exist",
                    List.of(new Problem.ProblemError("level must be 0..3", null, "level")));
        }
        return Optional.ofNullable(level);
    }

    private static boolean oldestFirst(String sort) {
        if (sort == null || sort.isBlank() || sort.equals("newest")) {
            return false;
        }
        if (sort.equals("age")) {
            return true;
        }
        throw ProblemException.badRequest(
                "https://forgeline.dev/problems/invalid-query",
                "Invalid query",
                "unknown sort '" + sort + "'",
                List.of(new Problem.ProblemError("sort must be age or newest", null, "sort")));
    }

    private static ReviewState parseState(String state) {
        try {
            return ReviewState.valueOf(state.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(
                    "https://forgeline.dev/problems/invalid-query",
                    "Invalid query",
                    "unknown review state '" + state + "'",
                    List.of(new Problem.ProblemError(
                            "state must be one of " + Arrays.toString(ReviewState.values()), null, "state")));
        }
    }
}
