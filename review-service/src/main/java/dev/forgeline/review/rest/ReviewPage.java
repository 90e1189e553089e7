package dev.forgeline.review.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;

import dev.forgeline.contracts.payload.ReviewBacklog;
import dev.forgeline.review.domain.ReviewState;
import dev.forgeline.review.service.BacklogService;
import dev.forgeline.review.service.ReviewService;
import dev.forgeline.support.problem.ProblemException;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import org.jboss.resteasy.reactive.RestForm;

/** The review page people use from a browser: the queue, one review with its diff, and the decision forms. */
@Path("/ui")
@Produces(MediaType.TEXT_HTML)
public class ReviewPage {
    private final ReviewService reviews;
    private final BacklogService backlog;

    public ReviewPage(ReviewService reviews, BacklogService backlog) {
        this.reviews = reviews;
        this.backlog = backlog;
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance queue(
                List<ReviewView> pending, List<ReviewView> recent, ReviewBacklog backlog, Integer level);

        static native TemplateInstance review(ReviewDetail detail, List<DiffLine> diff, String notice, String error);
    }

    /** One line of the diff and how to colour it: add, del, hunk, meta or context. */
    public record DiffLine(String kind, String text) {}

    @GET
    public Response root() {
        return Response.seeOther(UriBuilder.fromPath("/ui/reviews").build()).build();
    }

    @GET
    @Path("/reviews")
    public String queue(@QueryParam("level") Integer level) {
        List<ReviewView> pending = reviews.list(Optional.of(ReviewState.PENDING), Optional.ofNullable(level), true);
        List<ReviewView> recent = reviews.list(Optional.empty(), Optional.empty(), false).stream()
                .filter(r -> r.state() != ReviewState.PENDING && r.state() != ReviewState.AWAITING_ACCEPTANCE)
                .limit(20)
                .toList();
        return Templates.queue(pending, recent, backlog.current(), level).render();
    }

    @GET
    @Path("/reviews/{specId}/{taskId}")
    public String review(
            @PathParam("specId") String specId, @PathParam("taskId") String taskId, @QueryParam("done") String done) {
        ReviewDetail detail = reviews.detail(specId, taskId);
        return Templates.review(detail, diffLines(detail.diff()), notice(done), null)
                .render();
    }

    /** The decision form: one of approve, reject, request-changes, with the reviewer and a comment. */
    @POST
    @Path("/reviews/{specId}/{taskId}/decision")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response decide(
            @PathParam("specId") String specId,
            @PathParam("taskId") String taskId,
            @RestForm String decision,
            @RestForm String reviewer,
            @RestForm String comment) {
        try {
            switch (decision == null ? "" : decision) {
                case "approve" -> reviews.approve(specId, taskId, reviewer, comment);
                case "reject" -> reviews.reject(specId, taskId, reviewer, comment);
                case "request-changes" -> reviews.requestChanges(specId, taskId, reviewer, comment);
                default ->
                    throw ProblemException.badRequest(
                            "https://forgeline.dev/problems/invalid-decision",
                            "Invalid decision",
                            "unknown decision '" + decision + "'",
                            List.of());
            }
        } catch (ProblemException e) {
            ReviewDetail detail = reviews.detail(specId, taskId);
            String page = Templates.review(detail, diffLines(detail.diff()), null, e.getMessage())
                    .render();
            return Response.status(e.status())
                    .entity(page)
                    .type(MediaType.TEXT_HTML)
                    .build();
        }
        return Response.seeOther(UriBuilder.fromPath("/ui/reviews/{s}/{t}")
                        .queryParam("done", decision)
                        .build(specId, taskId))
                .build();
    }

    private static String notice(String done) {
        if (done == null) {
            return null;
        }
        return switch (done) {
            case "approve" -> "Approved.";
            case "reject" -> "Rejected.";
            case "request-changes" -> "Changes requested: the task runs again with your comment.";
            default -> null;
        };
    }

    static List<DiffLine> diffLines(String diff) {
        List<DiffLine> lines = new ArrayList<>();
        if (diff == null) {
            return lines;
        }
        for (String line : diff.split("\n")) {
            String kind;
            if (line.startsWith("diff --git")
                    || line.startsWith("index ")
                    || line.startsWith("+++")
                    || line.startsWith("---")
                    || line.startsWith("new file")
                    || line.startsWith("deleted file")
                    || line.startsWith("rename ")
                    || line.startsWith("similarity")) {
                kind = "meta";
            } else if (line.startsWith("@@")) {
                kind = "hunk";
            } else if (line.startsWith("+")) {
                kind = "add";
            } else if (line.startsWith("-")) {
                kind = "del";
            } else {
                kind = "context";
            }
            lines.add(new DiffLine(kind, line));
        }
        return lines;
    }
}
