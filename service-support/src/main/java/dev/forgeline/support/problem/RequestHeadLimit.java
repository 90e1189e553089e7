package dev.forgeline.support.problem;

import java.util.List;
import java.util.Map;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A request line over {@code forgeline.http.max-request-line} is refused with 414 {@link #REQUEST_LINE_TOO_LONG} and
 * headers over {@code forgeline.http.max-request-headers} with 431 {@link #HEADERS_TOO_LARGE}, as
 * {@code application/problem+json} naming the size and the limit, before anything else reads the request. The HTTP
 * server's decoder takes heads up to its own larger limits ({@code quarkus.http.limits.max-initial-line-length},
 * {@code max-header-size}) so that these get a problem body; beyond those it still answers with a bare status.
 */
@ApplicationScoped
public class RequestHeadLimit {
    public static final String REQUEST_LINE_TOO_LONG = "https://forgeline.dev/problems/request-line-too-long";
    public static final String HEADERS_TOO_LARGE = "https://forgeline.dev/problems/request-headers-too-large";
    /** Before the body size check. */
    static final int ORDER = BodySizeLimit.ORDER - 1;
    /** "GET " + uri + " HTTP/1.1": the method, two spaces and the version around the target. */
    private static final int LINE_OVERHEAD = 2 + "HTTP/1.1".length();

    private final int maxLine;
    private final long maxHeaders;

    public RequestHeadLimit(
            @ConfigProperty(name = "forgeline.http.max-request-line", defaultValue = "4096") int maxLine,
            @ConfigProperty(name = "forgeline.http.max-request-headers", defaultValue = "20K") MemorySize maxHeaders) {
        this.maxLine = maxLine;
        this.maxHeaders = maxHeaders.asLongValue();
    }

    void install(@Observes Router router) {
        router.route().order(ORDER).handler(this::check);
    }

    private void check(RoutingContext context) {
        HttpServerRequest request = context.request();
        int line = request.method().name().length() + request.uri().length() + LINE_OVERHEAD;
        if (line > maxLine) {
            refuse(
                    context,
                    414,
                    REQUEST_LINE_TOO_LONG,
                    "Request line too long",
                    "the request line of " + line + " characters is over this service's limit of " + maxLine
                            + " (forgeline.http.max-request-line)",
                    "uri");
            return;
        }
        long headers = 0;
        for (Map.Entry<String, String> header : request.headers()) {
            headers += header.getKey().length() + header.getValue().length() + 4; // ": " and CRLF
        }
        if (headers > maxHeaders) {
            refuse(
                    context,
                    431,
                    HEADERS_TOO_LARGE,
                    "Request headers too large",
                    "the request headers of " + headers + " bytes are over this service's limit of " + maxHeaders
                            + " bytes (forgeline.http.max-request-headers)",
                    "headers");
            return;
        }
        context.next();
    }

    private static void refuse(
            RoutingContext context, int status, String type, String title, String detail, String field) {
        Problem problem = new Problem(
                type,
                title,
                status,
                detail,
                abbreviatedPath(context.request().path()),
                List.of(new Problem.ProblemError(detail, null, field)));
        BodySizeLimit.answerAndClose(context, problem);
    }

    /** The path as the problem's instance, cut short: the request is refused for its size, not echoed back. */
    private static String abbreviatedPath(String path) {
        if (path == null) {
            return null;
        }
        return path.length() <= 200 ? path : path.substring(0, 200) + "…";
    }
}
