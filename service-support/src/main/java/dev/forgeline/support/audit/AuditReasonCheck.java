package dev.forgeline.support.audit;

import java.util.List;
import java.util.Optional;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;

import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.problem.ProblemMappers;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a {@value AuditTrail#REASON_HEADER} header over {@value AuditTrail#MAX_REASON_LENGTH} characters before the
 * request reaches its resource, so that an action whose reason could not be recorded is not taken at all.
 */
public class AuditReasonCheck {
    public static final String INVALID_REASON = "https://forgeline.dev/problems/invalid-reason";

    @ServerRequestFilter
    public Optional<Response> refuseOverlongReason(ContainerRequestContext request) {
        String reason = request.getHeaderString(AuditTrail.REASON_HEADER);
        if (reason == null || reason.strip().length() <= AuditTrail.MAX_REASON_LENGTH) {
            return Optional.empty();
        }
        String detail = "the " + AuditTrail.REASON_HEADER + " header has "
                + reason.strip().length() + " characters; at most " + AuditTrail.MAX_REASON_LENGTH + " are allowed";
        return Optional.of(Response.status(400)
                .type(ProblemMappers.PROBLEM_JSON)
                .entity(new Problem(
                        INVALID_REASON,
                        "Invalid reason",
                        400,
                        detail,
                        request.getUriInfo().getPath(),
                        List.of(new Problem.ProblemError(detail, null, AuditTrail.REASON_HEADER))))
                .build());
    }
}
