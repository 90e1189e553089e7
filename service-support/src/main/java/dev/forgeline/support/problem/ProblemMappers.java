package dev.forgeline.support.problem;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error a Forgeline REST API returns is {@code application/problem+json}. */
public class ProblemMappers {
    public static final String PROBLEM_JSON = "application/problem+json";

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        return Response.status(e.status())
                .type(PROBLEM_JSON)
                .entity(e.toProblem(uri.getPath()))
                .build();
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String title = type == null ? "HTTP " + status : type.getReasonPhrase();
        return Response.status(status)
                .type(PROBLEM_JSON)
                .entity(new Problem("about:blank", title, status, e.getMessage(), uri.getPath(), null))
                .build();
    }
}
