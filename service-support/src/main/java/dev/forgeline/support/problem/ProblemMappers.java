package dev.forgeline.support.problem;

import java.lang.annotation.Annotation;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import jakarta.ws.rs.core.UriInfo;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every error a Forgeline REST API returns is {@code application/problem+json}: the service's own problems,
 * the framework's refusals (unreadable JSON, a parameter of the wrong type, an unknown path, a method or media
 * type the resource does not take) and, last, any exception nothing else maps.
 */
public class ProblemMappers {
    public static final String PROBLEM_JSON = "application/problem+json";
    public static final String INVALID_JSON = "https://forgeline.dev/problems/invalid-json";
    public static final String INVALID_PARAMETER = "https://forgeline.dev/problems/invalid-parameter";
    public static final String INTERNAL_ERROR = "https://forgeline.dev/problems/internal-error";
    /** 401: no API token, or one that is unknown, revoked or expired. */
    public static final String UNAUTHENTICATED = "https://forgeline.dev/problems/unauthenticated";
    /** 403: the token's roles (or node) do not allow the operation. */
    public static final String FORBIDDEN = "https://forgeline.dev/problems/forbidden";
    /** 403: a state-changing request a browser sent from another origin. */
    public static final String CROSS_ORIGIN_REQUEST = "https://forgeline.dev/problems/cross-origin-request";
    /** 429: the caller is over its rate limit ({@code forgeline.auth.rate-limit.*}); {@code Retry-After} says when. */
    public static final String RATE_LIMITED = "https://forgeline.dev/problems/rate-limited";
    /** Where a browser without a valid session is sent from the review pages. */
    public static final String SIGN_IN_PAGE = "/ui/sign-in";

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        return Response.status(e.status())
                .type(PROBLEM_JSON)
                .entity(e.toProblem(uri.getPath()))
                .build();
    }

    /**
     * Attribute of an {@link AuthenticationFailedException} holding the detail its caller is told (such as "token
     * expired"); without it the detail is that the token is unknown or revoked. Never the token itself.
     */
    public static final String FAILURE_DETAIL = "forgeline.failure-detail";

    /** A token was presented and is unknown, revoked or expired (the token itself is never echoed). */
    @ServerExceptionMapper
    public Response authenticationFailed(AuthenticationFailedException e, UriInfo uri) {
        Object detail = e.getAttributes() == null ? null : e.getAttributes().get(FAILURE_DETAIL);
        return unauthenticated(detail instanceof String text ? text : "the API token is unknown or revoked", uri);
    }

    /** No token where the operation needs one. */
    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e, UriInfo uri) {
        return unauthenticated("this needs a Forgeline API token: send Authorization: Bearer <token>", uri);
    }

    /** A valid token without a role the operation allows. */
    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri, ResourceInfo resource, Request request) {
        Method method = resource == null ? null : resource.getResourceMethod();
        RolesAllowed allowed = method == null ? null : method.getAnnotation(RolesAllowed.class);
        if (allowed == null && method != null) {
            allowed = method.getDeclaringClass().getAnnotation(RolesAllowed.class);
        }
        String detail = request.getMethod() + " " + uri.getPath()
                + (allowed == null
                        ? " is not allowed with this token"
                        : " needs a token with one of the roles " + String.join(", ", allowed.value()));
        return problem(403, FORBIDDEN, "Forbidden", detail, uri, null);
    }

    private static Response unauthenticated(String detail, UriInfo uri) {
        String path = uri.getPath();
        if ((path.equals("/ui") || path.startsWith("/ui/")) && !path.equals(SIGN_IN_PAGE)) {
            // a person at the review pages: to the sign-in form, not a JSON answer
            return Response.seeOther(UriBuilder.fromPath(SIGN_IN_PAGE).build()).build();
        }
        return Response.fromResponse(problem(401, UNAUTHENTICATED, "Unauthenticated", detail, uri, null))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .build();
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        if (status == 400 && e.getCause() instanceof JsonProcessingException json) {
            // the JSON reader wraps a body that is not JSON at all (or breaks off) into a plain 400
            return invalidJson(json, uri);
        }
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String title = type == null ? "HTTP " + status : type.getReasonPhrase();
        return Response.status(status)
                .type(PROBLEM_JSON)
                .entity(new Problem("about:blank", title, status, e.getMessage(), uri.getPath(), null))
                .build();
    }

    /** A JSON body whose values do not fit the fields: a string for an object, an unknown enum constant. */
    @ServerExceptionMapper
    public Response mismatchedInput(MismatchedInputException e, UriInfo uri) {
        return invalidJson(e, uri);
    }

    /**
     * No resource at the path, or (JAX-RS's rule) a path or query parameter whose text does not convert to its
     * type: the latter is the client's bad value, so 400 naming the parameter.
     */
    @ServerExceptionMapper
    public Response notFound(NotFoundException e, UriInfo uri, ResourceInfo resource) {
        if (e.getCause() != null && !(e.getCause() instanceof WebApplicationException)) {
            List<String> parameters = typedParameters(resource, uri);
            String names = parameters.isEmpty()
                    ? "a path or query parameter"
                    : parameters.stream().map(p -> "'" + p + "'").collect(Collectors.joining(" or "));
            String detail = names + " has a value of the wrong type (" + conversionFault(e.getCause()) + ")";
            List<Problem.ProblemError> errors = parameters.isEmpty()
                    ? null
                    : parameters.stream()
                            .map(p -> new Problem.ProblemError(
                                    "'" + firstValue(uri, p) + "' is not a valid value", null, p))
                            .toList();
            return problem(400, INVALID_PARAMETER, "Invalid parameter", detail, uri, errors);
        }
        return problem(404, "about:blank", "Not Found", "nothing is at " + uri.getPath() + detailOf(e), uri, null);
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e, UriInfo uri, Request request) {
        String allowed = String.join(", ", e.getResponse().getAllowedMethods());
        Response response = problem(
                405,
                "about:blank",
                "Method Not Allowed",
                request.getMethod() + " is not allowed on " + uri.getPath()
                        + (allowed.isEmpty() ? "" : "; allowed: " + allowed),
                uri,
                null);
        return allowed.isEmpty()
                ? response
                : Response.fromResponse(response)
                        .header(HttpHeaders.ALLOW, allowed)
                        .build();
    }

    @ServerExceptionMapper
    public Response notSupported(NotSupportedException e, UriInfo uri, HttpHeaders headers) {
        // type/subtype only: a client's charset parameter is not what the resource refuses
        String given = headers.getMediaType() == null
                ? "none"
                : headers.getMediaType().getType() + "/"
                        + headers.getMediaType().getSubtype();
        return problem(
                415,
                "about:blank",
                "Unsupported Media Type",
                uri.getPath() + " does not take a body of Content-Type " + given,
                uri,
                List.of(new Problem.ProblemError("unsupported media type " + given, null, "Content-Type")));
    }

    /**
     * Anything else is a fault of the service, not of the request: 500 with an id the log line (with the stack
     * trace) also carries. The exception's message stays in the log: it may hold paths, SQL or values.
     */
    @ServerExceptionMapper
    public Response unexpected(Throwable e, UriInfo uri, Request request) {
        String id = UUID.randomUUID().toString();
        LOG.errorf(e, "error %s: %s %s failed", id, request.getMethod(), uri.getPath());
        return Response.status(500)
                .type(PROBLEM_JSON)
                .entity(new Problem(
                        INTERNAL_ERROR,
                        "Internal Server Error",
                        500,
                        "the service failed to answer; report error id " + id + " (its log has the cause)",
                        uri.getPath(),
                        List.of(new Problem.ProblemError("error id " + id, null, null))))
                .build();
    }

    private static Response invalidJson(JsonProcessingException e, UriInfo uri) {
        String field = e instanceof JsonMappingException mapping ? fieldPath(mapping) : null;
        String fault;
        if (e instanceof InvalidFormatException format
                && format.getTargetType() != null
                && format.getTargetType().isEnum()) {
            fault = "'" + format.getValue() + "' is not one of "
                    + Arrays.stream(format.getTargetType().getEnumConstants())
                            .map(Object::toString)
                            .collect(Collectors.joining(", "));
        } else if (e instanceof InvalidFormatException format && format.getTargetType() == String.class) {
            fault = format.getOriginalMessage(); // a string refused for what it holds (NulFreeStrings)
        } else if (e instanceof MismatchedInputException mismatched && mismatched.getTargetType() != null) {
            fault = "expected " + typeName(mismatched.getTargetType());
        } else {
            fault = "the body is not valid JSON";
        }
        JsonLocation at = e.getLocation();
        Integer line = at == null || at.getLineNr() < 1 ? null : at.getLineNr();
        String where = (field == null ? "" : "field '" + field + "': ")
                + fault
                + (line == null ? "" : " (line " + line + ", column " + at.getColumnNr() + ")");
        return problem(
                400,
                INVALID_JSON,
                "Invalid JSON body",
                where,
                uri,
                List.of(new Problem.ProblemError(fault, line, field)));
    }

    /** {@code tasks[2].title}: where in the body the fault is. */
    private static String fieldPath(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? null : path.toString();
    }

    private static String typeName(Class<?> type) {
        if (type == String.class || type.isEnum()) {
            return "a string";
        }
        if (Number.class.isAssignableFrom(type)
                || type == int.class
                || type == long.class
                || type == double.class
                || type == float.class
                || type == short.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type.isArray() || java.util.Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }

    /**
     * The matched method's path and query parameters whose type is not text and whose value the request gave:
     * one of them failed to convert.
     */
    private static List<String> typedParameters(ResourceInfo resource, UriInfo uri) {
        Method method = resource == null ? null : resource.getResourceMethod();
        if (method == null) {
            return List.of();
        }
        List<String> candidates = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Class<?>[] types = method.getParameterTypes();
        Annotation[][] annotations = method.getParameterAnnotations();
        for (int i = 0; i < types.length; i++) {
            if (types[i] == String.class) {
                continue;
            }
            for (Annotation a : annotations[i]) {
                String name = a instanceof QueryParam q ? q.value() : a instanceof PathParam p ? p.value() : null;
                String value = name == null ? null : firstValue(uri, name);
                if (value != null) {
                    candidates.add(name);
                    if (!converts(types[i], value)) {
                        names.add(name);
                    }
                }
            }
        }
        return names.isEmpty() ? candidates : names;
    }

    /**
     * Whether {@code value} converts to {@code type} the way JAX-RS converts parameters (a static
     * {@code valueOf}, {@code fromString} or {@code parse}, or a constructor taking the text); used only to
     * tell which parameter failed. True when no such way is found: then the parameter stays a candidate only.
     */
    private static boolean converts(Class<?> type, String value) {
        Class<?> boxed = type.isPrimitive() ? MethodType.methodType(type).wrap().returnType() : type;
        for (String factory : List.of("valueOf", "fromString", "parse")) {
            for (Class<?> argument : List.of(String.class, CharSequence.class)) {
                try {
                    Method m = boxed.getMethod(factory, argument);
                    if (java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
                        m.invoke(null, value);
                        return true;
                    }
                } catch (NoSuchMethodException e) {
                    // try the next way
                } catch (ReflectiveOperationException | RuntimeException e) {
                    return false;
                }
            }
        }
        try {
            boxed.getConstructor(String.class).newInstance(value);
            return true;
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    private static String firstValue(UriInfo uri, String name) {
        String value = uri.getQueryParameters().getFirst(name);
        return value != null ? value : uri.getPathParameters().getFirst(name);
    }

    /** What went wrong converting, without exception class names. */
    private static String conversionFault(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null || message.isBlank() ? "cannot convert it" : message;
    }

    private static String detailOf(NotFoundException e) {
        String message = e.getMessage();
        return message == null || message.startsWith("HTTP 404") ? "" : ": " + message;
    }

    private static Response problem(
            int status, String type, String title, String detail, UriInfo uri, List<Problem.ProblemError> errors) {
        return Response.status(status)
                .type(PROBLEM_JSON)
                .entity(new Problem(type, title, status, detail, uri.getPath(), errors))
                .build();
    }
}
