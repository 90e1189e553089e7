package dev.forgeline.support.auth;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;

import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.problem.ProblemMappers;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a state-changing request (POST, PUT, PATCH, DELETE) a browser sent from another site: one whose
 * {@code Origin} is present and is not this service's own origin. Such a "simple" cross-origin request (a form, or
 * {@code text/plain} to {@code POST /specs}) reaches the server without a CORS preflight. With tokens on, a POST to
 * the review pages ({@code /ui}) must also show where it comes from: an own {@code Origin} or {@code Referer}.
 * Clients that are not browsers send no {@code Origin} and are not affected.
 */
public class OriginCheck {
    private final ApiTokens tokens;

    public OriginCheck(ApiTokens tokens) {
        this.tokens = tokens;
    }

    @ServerRequestFilter
    public Optional<Response> refuseForeignOrigin(ContainerRequestContext request) {
        String method = request.getMethod();
        if (method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")) {
            return Optional.empty();
        }
        String own = origin(request.getUriInfo().getBaseUri());
        String origin = request.getHeaderString("Origin");
        String path = request.getUriInfo().getPath();
        if (origin != null) {
            return sameOrigin(origin, own)
                    ? Optional.empty()
                    : Optional.of(refuse(path, "Origin " + origin + " is not this service's origin " + own));
        }
        if (tokens.enabled() && (path.equals("/ui") || path.startsWith("/ui/"))) {
            String referer = request.getHeaderString("Referer");
            if (referer == null) {
                return Optional.of(refuse(path, "a form post to the review pages needs an Origin or Referer header"));
            }
            if (!sameOrigin(originOf(referer), own)) {
                return Optional.of(refuse(path, "the Referer is not a page of this service (" + own + ")"));
            }
        }
        return Optional.empty();
    }

    static boolean sameOrigin(String given, String own) {
        return given != null && given.equalsIgnoreCase(own);
    }

    /** scheme://host[:port] of an absolute URL, default ports left out; null if it is not one. */
    static String originOf(String url) {
        try {
            return origin(URI.create(url));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static String origin(URI uri) {
        if (uri.getScheme() == null || uri.getHost() == null) {
            return null;
        }
        int port = uri.getPort();
        boolean defaultPort = port == -1
                || (port == 80 && uri.getScheme().equalsIgnoreCase("http"))
                || (port == 443 && uri.getScheme().equalsIgnoreCase("https"));
        return uri.getScheme().toLowerCase() + "://" + uri.getHost().toLowerCase() + (defaultPort ? "" : ":" + port);
    }

    private static Response refuse(String path, String detail) {
        return Response.status(403)
                .type(ProblemMappers.PROBLEM_JSON)
                .entity(new Problem(
                        ProblemMappers.CROSS_ORIGIN_REQUEST,
                        "Cross-origin request refused",
                        403,
                        detail,
                        path,
                        List.of(new Problem.ProblemError(detail, null, "Origin"))))
                .build();
    }
}
