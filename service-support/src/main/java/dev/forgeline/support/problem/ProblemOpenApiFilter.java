package dev.forgeline.support.problem;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import jakarta.ws.rs.core.HttpHeaders;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;

/**
 * Documents the RFC 9457 problems every Forgeline REST API answers with: adds the {@code Problem} and
 * {@code ProblemError} schemas (the JSON of {@link Problem}) and gives every 4xx/5xx response an operation declares
 * without content the {@code application/problem+json} body. A resource states only the status and when it is
 * answered (with the problem type URIs in the description); the body is the same everywhere, as
 * {@link ProblemMappers} makes it. Every operation also gets the 429 {@link ProblemMappers#RATE_LIMITED} response
 * with its {@code Retry-After} header, since {@code RateLimitFilter} may answer it before any resource runs.
 * Registered per service with {@code mp.openapi.filter}.
 */
public class ProblemOpenApiFilter implements OASFilter {
    public static final String PROBLEM_SCHEMA = "Problem";
    public static final String PROBLEM_ERROR_SCHEMA = "ProblemError";
    public static final String TOO_MANY_REQUESTS = "429";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        Components components = openAPI.getComponents();
        components.addSchema(PROBLEM_ERROR_SCHEMA, problemErrorSchema());
        components.addSchema(PROBLEM_SCHEMA, problemSchema());
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        for (PathItem item : openAPI.getPaths().getPathItems().values()) {
            Map<PathItem.HttpMethod, Operation> operations = item.getOperations();
            if (operations == null) {
                continue;
            }
            for (Operation operation : operations.values()) {
                if (operation.getResponses() == null) {
                    operation.setResponses(OASFactory.createAPIResponses());
                }
                if (!operation.getResponses().hasAPIResponse(TOO_MANY_REQUESTS)) {
                    operation.getResponses().addAPIResponse(TOO_MANY_REQUESTS, rateLimited());
                }
                operation.getResponses().getAPIResponses().forEach((code, response) -> {
                    if (isError(code) && response.getRef() == null && response.getContent() == null) {
                        response.setContent(problemContent());
                    }
                });
            }
        }
    }

    /** What {@code RateLimitFilter} answers to a caller over its limit. */
    private static APIResponse rateLimited() {
        return OASFactory.createAPIResponse()
                .description("The caller (its token, or its address without one) is over its rate limit; the request"
                        + " was not carried out (" + ProblemMappers.RATE_LIMITED + ")")
                .addHeader(
                        HttpHeaders.RETRY_AFTER,
                        OASFactory.createHeader()
                                .description("In how many seconds to try again")
                                .required(true)
                                .schema(OASFactory.createSchema()
                                        .type(List.of(Schema.SchemaType.INTEGER))
                                        .format("int64")
                                        .minimum(BigDecimal.ZERO)))
                .content(problemContent());
    }

    private static boolean isError(String code) {
        return code.length() == 3 && (code.charAt(0) == '4' || code.charAt(0) == '5');
    }

    private static org.eclipse.microprofile.openapi.models.media.Content problemContent() {
        return OASFactory.createContent()
                .addMediaType(
                        ProblemMappers.PROBLEM_JSON,
                        OASFactory.createMediaType()
                                .schema(OASFactory.createSchema().ref(PROBLEM_SCHEMA)));
    }

    private static Schema problemSchema() {
        return OASFactory.createSchema()
                .type(List.of(Schema.SchemaType.OBJECT))
                .description("An RFC 9457 problem detail; every error of a Forgeline REST API has this body.")
                .addProperty(
                        "type",
                        string(
                                "A URI naming the kind of problem (see docs/api.md); about:blank for plain HTTP errors."))
                .addProperty("title", string("A short summary of the problem type."))
                .addProperty(
                        "status",
                        OASFactory.createSchema()
                                .type(List.of(Schema.SchemaType.INTEGER))
                                .format("int32")
                                .description("The HTTP status code."))
                .addProperty("detail", string("What went wrong in this request."))
                .addProperty("instance", string("The path of the request."))
                .addProperty(
                        "errors",
                        OASFactory.createSchema()
                                .type(List.of(Schema.SchemaType.ARRAY))
                                .description("Every individual fault, so all can be fixed at once; absent when none.")
                                .items(OASFactory.createSchema().ref(PROBLEM_ERROR_SCHEMA)))
                .required(List.of("type", "title", "status"));
    }

    private static Schema problemErrorSchema() {
        return OASFactory.createSchema()
                .type(List.of(Schema.SchemaType.OBJECT))
                .description("One fault: what is wrong and where.")
                .addProperty("message", string("What is wrong."))
                .addProperty(
                        "line",
                        OASFactory.createSchema()
                                .type(List.of(Schema.SchemaType.INTEGER))
                                .format("int32")
                                .description("The line of the submitted text, when the fault has one."))
                .addProperty("field", string("The field or parameter at fault, when there is one."))
                .required(List.of("message"));
    }

    private static Schema string(String description) {
        return OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)).description(description);
    }
}
