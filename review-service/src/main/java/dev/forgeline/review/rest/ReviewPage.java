package dev.forgeline.review.rest;

import static dev.forgeline.support.auth.ApiTokenAuthenticationMechanism.SESSION_COOKIE;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import jakarta.ws.rs.core.UriInfo;

import dev.forgeline.contracts.payload.ReviewBacklog;
import dev.forgeline.review.domain.ReviewState;
import dev.forgeline.review.service.BacklogService;
import dev.forgeline.review.service.ReviewService;
import dev.forgeline.support.audit.AuditAction;
import dev.forgeline.support.audit.AuditTrail;
import dev.forgeline.support.auth.ApiTokens;
import dev.forgeline.support.auth.Callers;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.support.auth.SessionCsrf;
import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.problem.ProblemException;
import dev.forgeline.support.problem.ProblemMappers;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.RestForm;

/** The review page people use from a browser: the queue, one review with its diff, and the decision forms. */
@Path("/ui")
@Produces(MediaType.TEXT_HTML)
public class ReviewPage {
    private final ReviewService reviews;
    private final BacklogService backlog;

    private final SecurityIdentity caller;
    private final ApiTokens tokens;
    private final AuditTrail audit;
    private final boolean singleSignOn;

    public ReviewPage(
            ReviewService reviews,
            BacklogService backlog,
            SecurityIdentity caller,
            ApiTokens tokens,
            AuditTrail audit,
            @ConfigProperty(name = "quarkus.oidc.ui.tenant-enabled") boolean singleSignOn) {
        this.reviews = reviews;
        this.backlog = backlog;
        this.caller = caller;
        this.tokens = tokens;
        this.audit = audit;
        this.singleSignOn = singleSignOn;
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance queue(
                List<ReviewView> pending, List<ReviewView> recent, ReviewBacklog backlog, Integer level);

        static native TemplateInstance review(
                ReviewDetail detail, List<DiffLine> diff, String notice, String error, String signedInAs, String csrf);

        static native TemplateInstance signIn(String error, boolean singleSignOn);

        static native TemplateInstance signedIn(String next);
    }

    /** One line of the diff and how to colour it: add, del, hunk, meta or context. */
    public record DiffLine(String kind, String text) {}

    @Authenticated
    @GET
    public Response root() {
        return Response.seeOther(UriBuilder.fromPath("/ui/reviews").build()).build();
    }

    @Authenticated
    @GET
    @Path("/reviews")
    public String queue(@QueryParam("level") Integer level) {
        List<ReviewView> pending =
                reviews.list(Optional.of(ReviewState.PENDING), Optional.ofNullable(level), true, caller);
        List<ReviewView> recent = reviews.list(Optional.empty(), Optional.empty(), false, caller).stream()
                .filter(r -> r.state() != ReviewState.PENDING && r.state() != ReviewState.AWAITING_ACCEPTANCE)
                .limit(20)
                .toList();
        return Templates.queue(pending, recent, backlog.current(), level).render();
    }

    @Authenticated
    @GET
    @Path("/reviews/{specId}/{taskId}")
    public String review(
            @PathParam("specId") String specId,
            @PathParam("taskId") String taskId,
            @QueryParam("done") String done,
            @CookieParam(SESSION_COOKIE) String session) {
        reviews.requireVisible(specId, taskId, caller);
        ReviewDetail detail = reviews.detail(specId, taskId);
        return Templates.review(detail, diffLines(detail.diff()), notice(done), null, signedInAs(), csrf(session))
                .render();
    }

    /** The sign-in form: a person pastes their API token once; the page keeps it in an HttpOnly cookie. */
    @PermitAll
    @GET
    @Path("/sign-in")
    public String signInForm() {
        return Templates.signIn(null, singleSignOn).render();
    }

    /**
     * Checks the token and sets the session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's
     * page sends it), path /ui (the JSON APIs take only the Authorization header).
     */
    @PermitAll
    @POST
    @Path("/sign-in")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response signIn(@RestForm String token, @Context UriInfo uri) {
        String given = token == null ? "" : token.strip();
        if (tokens.enabled() && tokens.authenticate(given).isEmpty()) {
            return Response.status(401)
                    .type(MediaType.TEXT_HTML)
                    .entity(Templates.signIn("That token is unknown or revoked.", singleSignOn)
                            .render())
                    .build();
        }
        return Response.seeOther(UriBuilder.fromPath("/ui/reviews").build())
                .cookie(sessionCookie(given, uri))
                .build();
    }

    private static NewCookie sessionCookie(String credential, UriInfo uri) {
        return new NewCookie.Builder(SESSION_COOKIE)
                .value(credential)
                .path("/ui")
                .httpOnly(true)
                .secure("https".equalsIgnoreCase(uri.getBaseUri().getScheme()))
                .sameSite(NewCookie.SameSite.STRICT)
                .build();
    }

    /**
     * Single sign-on: quarkus-oidc's code flow (tenant {@code ui}, this path only) has signed the person in at the
     * identity provider before this runs; their access token becomes the pages' session, checked on every request
     * like a bearer token. The page that follows is reached by a link of this site's own page, because a browser
     * does not send a SameSite=Strict cookie on a redirect chain that began at another site.
     */
    @Authenticated
    @GET
    @Path("/sign-in/sso")
    public Response singleSignOn(@Context UriInfo uri) {
        AccessTokenCredential access = caller.getCredential(AccessTokenCredential.class);
        if (!singleSignOn || access == null) {
            return Response.seeOther(UriBuilder.fromPath("/ui/sign-in").build()).build();
        }
        return Response.ok(Templates.signedIn("/ui/reviews").render())
                .cookie(sessionCookie(access.getToken(), uri))
                .build();
    }

    @Authenticated
    @POST
    @Path("/sign-out")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response signOut(
            @RestForm String csrf,
            @CookieParam(SESSION_COOKIE) String session,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        requireCsrf(session, authorization, csrf);
        NewCookie expired = new NewCookie.Builder(SESSION_COOKIE)
                .value("")
                .path("/ui")
                .httpOnly(true)
                .sameSite(NewCookie.SameSite.STRICT)
                .maxAge(0)
                .build();
        // and the single sign-on's own session (quarkus-oidc's cookie of tenant "ui"), so the next sign-in asks again
        NewCookie singleSignOnSession = new NewCookie.Builder("q_session_ui")
                .value("")
                .path("/ui/sign-in/sso")
                .httpOnly(true)
                .maxAge(0)
                .build();
        return Response.seeOther(UriBuilder.fromPath("/ui/sign-in").build())
                .cookie(expired, singleSignOnSession)
                .build();
    }

    /** The decision form: one of approve, reject, request-changes, with the reviewer and a comment. */
    @RolesAllowed(Roles.REVIEWER)
    @POST
    @Path("/reviews/{specId}/{taskId}/decision")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response decide(
            @PathParam("specId") String specId,
            @PathParam("taskId") String taskId,
            @RestForm String decision,
            @RestForm String reviewer,
            @RestForm String comment,
            @RestForm String csrf,
            @CookieParam(SESSION_COOKIE) String session,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        requireCsrf(session, authorization, csrf);
        reviews.requireVisible(specId, taskId, caller);
        // with tokens on, the decision is the signed-in person's: the form has no name field then
        reviewer = Callers.recordedAs(caller, tokens, reviewer);
        try {
            AuditAction action = switch (decision == null ? "" : decision) {
                case "approve" -> AuditAction.REVIEW_APPROVE;
                case "reject" -> AuditAction.REVIEW_REJECT;
                case "request-changes" -> AuditAction.REVIEW_REQUEST_CHANGES;
                default ->
                    throw ProblemException.badRequest(
                            "https://forgeline.dev/problems/invalid-decision",
                            "Invalid decision",
                            "unknown decision '" + decision + "'",
                            List.of());
            };
            ReviewView review = switch (action) {
                case REVIEW_APPROVE -> reviews.approve(specId, taskId, reviewer, comment);
                case REVIEW_REJECT -> reviews.reject(specId, taskId, reviewer, comment);
                default -> reviews.requestChanges(specId, taskId, reviewer, comment);
            };
            // the form's comment is the decision's reason; the decision ran in its own transaction
            Map<String, Object> details = ReviewResource.decisionDetails(reviewer, review);
            details.put("via", "review page");
            audit.record(action, specId + "/" + taskId, comment, details);
        } catch (ProblemException e) {
            ReviewDetail detail = reviews.detail(specId, taskId);
            String page = Templates.review(
                            detail, diffLines(detail.diff()), null, e.getMessage(), signedInAs(), csrf(session))
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

    /**
     * A form sent with the session cookie (what a browser sends by itself) must carry the session's CSRF token; a
     * request with an Authorization header carries its credential on purpose and needs none.
     */
    private void requireCsrf(String session, String authorization, String csrf) {
        if (!tokens.enabled() || authorization != null) {
            return;
        }
        if (!SessionCsrf.matches(session, csrf)) {
            throw new ProblemException(
                    403,
                    ProblemMappers.FORBIDDEN,
                    "Forbidden",
                    "the form's CSRF token does not belong to this session: reload the page and try again",
                    List.of(new Problem.ProblemError("missing or wrong CSRF token", null, "csrf")));
        }
    }

    private String signedInAs() {
        return tokens.enabled() ? caller.getPrincipal().getName() : null;
    }

    private String csrf(String session) {
        return tokens.enabled() && session != null ? SessionCsrf.tokenFor(session) : null;
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
