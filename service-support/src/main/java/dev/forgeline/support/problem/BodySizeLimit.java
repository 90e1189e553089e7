package dev.forgeline.support.problem;

import java.util.List;
import java.util.Optional;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A request whose {@code Content-Length} is over the HTTP server's limit ({@code quarkus.http.limits.max-body-size})
 * is refused with 413 {@link #BODY_TOO_LARGE} as {@code application/problem+json}, naming the size and the limit.
 * The HTTP server would refuse it too, one route later, with a bare 413; this route runs first so the client gets
 * the same kind of answer as every other refusal. The body is not read and the connection is closed, as the server
 * does.
 */
@ApplicationScoped
public class BodySizeLimit {
    public static final String BODY_TOO_LARGE = "https://forgeline.dev/problems/body-too-large";
    /** Before Quarkus's own size check (order -2). */
    static final int ORDER = -3;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Optional<MemorySize> maxBodySize;

    public BodySizeLimit(@ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> maxBodySize) {
        this.maxBodySize = maxBodySize;
    }

    void install(@Observes Router router) {
        maxBodySize.ifPresent(limit -> router.route().order(ORDER).handler(context -> {
            long length = contentLength(context);
            if (length > limit.asLongValue()) {
                refuse(context, length, limit.asLongValue());
            } else {
                context.next();
            }
        }));
    }

    private static long contentLength(RoutingContext context) {
        String header = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (header == null) {
            return -1;
        }
        try {
            return Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void refuse(RoutingContext context, long length, long limit) {
        String detail = "the request body of " + length + " bytes is over this service's limit of " + limit
                + " bytes (quarkus.http.limits.max-body-size)";
        Problem problem = new Problem(
                BODY_TOO_LARGE,
                "Request body too large",
                413,
                detail,
                context.request().path(),
                List.of(new Problem.ProblemError(detail, null, "Content-Length")));
        answerAndClose(context, problem);
    }

    /**
     * Answers a request refused for its size before anything read it, and closes the connection, as the HTTP server
     * does: what is left of the request is not read.
     */
    static void answerAndClose(RoutingContext context, Problem problem) {
        String body;
        try {
            body = JSON.writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        context.response()
                .setStatusCode(problem.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, ProblemMappers.PROBLEM_JSON)
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end(body)
                .onComplete(done -> context.request().connection().close());
    }
}
