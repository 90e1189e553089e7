package dev.forgeline.review.rest;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
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
import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.problem.ProblemException;

@Path("/reviews")
@Produces(MediaType.APPLICATION_JSON)
public class ReviewResource {
    private final ReviewService reviews;
    private final BacklogService backlog;

    public ReviewResource(ReviewService reviews, BacklogService backlog) {
        this.reviews = reviews;
        this.backlog = backlog;
    }

    /**
     * Reviews; {@code state} and {@code level} filter; {@code sort=age} lists the longest waiting first
     * (default: newest first).
     */
    @GET
    public List<ReviewView> list(
            @QueryParam("state") String state, @QueryParam("level") Integer level, @QueryParam("sort") String sort) {
        return reviews.list(
                Optional.ofNullable(state).filter(s -> !s.isBlank()).map(ReviewResource::parseState),
                level(level),
                oldestFirst(sort));
    }

    /** Reviews waiting for a person, longest waiting first; {@code level} filters. */
    @GET
    @Path("/pending")
    public List<ReviewView> pending(@QueryParam("level") Integer level) {
        return reviews.list(Optional.of(ReviewState.PENDING), level(level), true);
    }

    /** The human review backlog as last announced on forgeline.review.backlog. */
    @GET
    @Path("/backlog")
    public ReviewBacklog backlog() {
        return backlog.current();
    }

    /** Sets the daily level 2-3 review capacity ({@code null}: the configured one). */
    @PUT
    @Path("/backlog")
    public ReviewBacklog setCapacity(CapacityRequest request) {
        Integer capacity = request == null ? null : request.dailyCapacity();
        if (capacity != null && capacity < 0) {
            throw ProblemException.badRequest(
                    "https://forgeline.dev/problems/invalid-capacity",
                    "Invalid capacity",
                    "dailyCapacity must not be negative",
                    List.of(new Problem.ProblemError("must be >= 0", null, "dailyCapacity")));
        }
        return backlog.setCapacity(capacity);
    }

    /** The task's current review with its diff, test and lint runs, cost and attempt history. */
    @GET
    @Path("/{specId}/{taskId}")
    public ReviewDetail get(@PathParam("specId") String specId, @PathParam("taskId") String taskId) {
        return reviews.detail(specId, taskId);
    }

    @POST
    @Path("/{specId}/{taskId}/approve")
    public ReviewView approve(
            @PathParam("specId") String specId, @PathParam("taskId") String taskId, DecisionRequest decision) {
        DecisionRequest body = orEmpty(decision);
        return reviews.approve(specId, taskId, body.reviewer(), body.text());
    }

    @POST
    @Path("/{specId}/{taskId}/reject")
    public ReviewView reject(
            @PathParam("specId") String specId, @PathParam("taskId") String taskId, DecisionRequest decision) {
        DecisionRequest body = orEmpty(decision);
        return reviews.reject(specId, taskId, body.reviewer(), body.text());
    }

    @POST
    @Path("/{specId}/{taskId}/request-changes")
    public ReviewView requestChanges(
            @PathParam("specId") String specId, @PathParam("taskId") String taskId, DecisionRequest decision) {
        DecisionRequest body = orEmpty(decision);
        return reviews.requestChanges(specId, taskId, body.reviewer(), body.text());
    }

    /** Body of {@code PUT /reviews/backlog}. */
    public record CapacityRequest(Integer dailyCapacity) {}

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
