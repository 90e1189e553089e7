package dev.forgeline.support.problem;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses, before any resource runs, parameter values the framework would take in a way the client did not mean:
 * <ul>
 *   <li>a NUL character ({@code %00}) in the path or a query parameter: no id or value holds one, and PostgreSQL
 *       cannot store or compare one (the query fails, which would answer 500);</li>
 *   <li>a boolean query parameter that is neither {@code true} nor {@code false}: JAX-RS converts any other text
 *       ({@code ?all=yes}) to {@code false} and the operation would run with the opposite of what was asked.</li>
 * </ul>
 * Both are 400 {@link ProblemMappers#INVALID_PARAMETER} naming the parameter.
 */
public class ParameterCheck {
    @ServerRequestFilter(preMatching = true)
    public Optional<Response> refuseNul(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (path.indexOf('\0') >= 0) {
            return Optional.of(invalid(path, "the path contains a NUL character (%00)", "path"));
        }
        for (Map.Entry<String, List<String>> parameter :
                request.getUriInfo().getQueryParameters().entrySet()) {
            for (String value : parameter.getValue()) {
                if (parameter.getKey().indexOf('\0') >= 0 || value.indexOf('\0') >= 0) {
                    return Optional.of(invalid(
                            path,
                            "query parameter '" + parameter.getKey().replace('\0', '?')
                                    + "' contains a NUL character (%00)",
                            parameter.getKey().replace('\0', '?')));
                }
            }
        }
        return Optional.empty();
    }

    @ServerRequestFilter
    public Optional<Response> refuseNonBooleans(ContainerRequestContext request, ResourceInfo resource) {
        Method method = resource == null ? null : resource.getResourceMethod();
        if (method == null) {
            return Optional.empty();
        }
        Class<?>[] types = method.getParameterTypes();
        Annotation[][] annotations = method.getParameterAnnotations();
        List<Problem.ProblemError> errors = new ArrayList<>();
        for (int i = 0; i < types.length; i++) {
            if (types[i] != boolean.class && types[i] != Boolean.class) {
                continue;
            }
            for (Annotation a : annotations[i]) {
                if (a instanceof QueryParam query) {
                    for (String value :
                            request.getUriInfo().getQueryParameters().getOrDefault(query.value(), List.of())) {
                        if (!value.isEmpty() && !value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                            errors.add(new Problem.ProblemError(
                                    "'" + value + "' is not true or false", null, query.value()));
                        }
                    }
                }
            }
        }
        if (errors.isEmpty()) {
            return Optional.empty();
        }
        String names = String.join(
                ", ", errors.stream().map(e -> "'" + e.field() + "'").distinct().toList());
        return Optional.of(Response.status(400)
                .type(ProblemMappers.PROBLEM_JSON)
                .entity(new Problem(
                        ProblemMappers.INVALID_PARAMETER,
                        "Invalid parameter",
                        400,
                        names + " must be true or false",
                        request.getUriInfo().getPath(),
                        errors))
                .build());
    }

    private static Response invalid(String path, String detail, String field) {
        return Response.status(400)
                .type(ProblemMappers.PROBLEM_JSON)
                .entity(new Problem(
                        ProblemMappers.INVALID_PARAMETER,
                        "Invalid parameter",
                        400,
                        detail,
                        // the instance names the path, without the character a client or a log may choke on
                        path.replace('\0', '?'),
                        List.of(new Problem.ProblemError(detail, null, field))))
                .build();
    }
}
