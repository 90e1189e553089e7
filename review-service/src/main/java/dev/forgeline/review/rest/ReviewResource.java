package dev.forgeline.review.rest;

import dev.forgeline.review.domain.ReviewState;
import dev.forgeline.review.service.ReviewService;
import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.problem.ProblemException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

@Path("/reviews")
@Produces(MediaType.APPLICATION_JSON)
public class ReviewResource {
    private final ReviewService reviews;

    public ReviewResource(ReviewService reviews) {
        this.reviews = reviews;
    }

    /** Reviews, newest first; {@code state} filters (PENDING, MERGED, REJECTED, AWAITING_ACCEPTANCE). */
    @GET
    public List<ReviewView> list(@QueryParam("state") String state) {
        return reviews.list(Optional.ofNullable(state).filter(s -> !s.isBlank()).map(ReviewResource::parseState));
    }

    @GET
    @Path("/{specId}/{taskId}")
    public ReviewView get(@PathParam("specId") String specId, @PathParam("taskId") String taskId) {
        return reviews.get(specId, taskId);
    }

    @POST
    @Path("/{specId}/{taskId}/approve")
    public ReviewView approve(@PathParam("specId") String specId, @PathParam("taskId") String taskId,
            DecisionRequest decision) {
        DecisionRequest body = decision == null ? new DecisionRequest(null, null) : decision;
        return reviews.approve(specId, taskId, body.reviewer(), body.reason());
    }

    @POST
    @Path("/{specId}/{taskId}/reject")
    public ReviewView reject(@PathParam("specId") String specId, @PathParam("taskId") String taskId,
            DecisionRequest decision) {
        DecisionRequest body = decision == null ? new DecisionRequest(null, null) : decision;
        return reviews.reject(specId, taskId, body.reviewer(), body.reason());
    }

    private static ReviewState parseState(String state) {
        try {
            return ReviewState.valueOf(state.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("https://forgeline.dev/problems/invalid-query", "Invalid query",
                    "unknown review state '" + state + "'",
                    List.of(new Problem.ProblemError("state must be one of " + Arrays.toString(ReviewState.values()),
                            null, "state")));
        }
    }
}
